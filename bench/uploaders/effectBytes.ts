/**
 * A diagnostic, not a product: the same stack as ours (Effect, `NodeHttpClient.layerUndici`, every request
 * signed by @x-media/core's `Auth.layer`), doing the bare v2 protocol like the raw baseline: INIT, APPENDs
 * `concurrency` at a time with each segment read at its offset into a fresh buffer, FINALIZE. The one
 * difference from @x-media/core's APPEND is the body: the multipart envelope is written by hand and sent
 * as a stream of three pieces (head, the segment itself, tail) with its length, instead of a `FormData`
 * holding a `Blob` copy of the segment. The gap between this and ours is what the orchestration and the
 * FormData/Blob body cost; the gap between this and the raw baseline is what Effect and undici cost.
 *
 * @module
 */
import { open } from "node:fs/promises"
import { Effect, Layer, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Auth, Credentials } from "@x-media/core"
import type { Job, UploadOutcome } from "../job.ts"

const encoder = new TextEncoder()

const idOf = (json: unknown): string => {
  if (typeof json === "object" && json !== null && "data" in json) {
    const data: unknown = json.data
    if (typeof data === "object" && data !== null && "id" in data && typeof data.id === "string") return data.id
  }
  throw new Error("INIT answered without data.id")
}

/** Uploads `job.path` over Effect's undici client with hand-built multipart bodies and returns the media id. */
export const uploadEffectBytes = (job: Job): Promise<UploadOutcome> =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.prependUrl(job.baseUrl)),
      HttpClient.filterStatusOk
    )
    const file = yield* Effect.acquireRelease(Effect.promise(() => open(job.path, "r")), (f) => Effect.promise(() => f.close()))
    const init = yield* client.execute(
      HttpClientRequest.post("/2/media/upload/initialize").pipe(
        HttpClientRequest.bodyJsonUnsafe({ media_type: "video/mp4", total_bytes: job.bytes, media_category: "tweet_video" })
      )
    )
    const mediaId = idOf(yield* init.json)
    const boundary = `----xmediabench${Math.random().toString(16).slice(2)}`
    const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
    const segments = Math.ceil(job.bytes / job.chunkSize)
    const append = (index: number) =>
      Effect.gen(function*() {
        const offset = index * job.chunkSize
        const length = Math.min(job.chunkSize, job.bytes - offset)
        const segment = Buffer.allocUnsafe(length)
        yield* Effect.promise(async () => {
          let filled = 0
          while (filled < length) {
            const { bytesRead } = await file.read(segment, filled, length - filled, offset + filled)
            if (bytesRead === 0) throw new Error(`the file ended at ${offset + filled} bytes`)
            filled += bytesRead
          }
        })
        const head = encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${index}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\n` +
            `Content-Type: application/octet-stream\r\n\r\n`
        )
        const response = yield* client.execute(
          HttpClientRequest.post(`/2/media/upload/${mediaId}/append`).pipe(
            HttpClientRequest.bodyStream(Stream.fromIterable([head, segment, tail]), {
              contentType: `multipart/form-data; boundary=${boundary}`,
              contentLength: head.byteLength + length + tail.byteLength
            })
          )
        )
        yield* response.text
      })
    yield* Effect.forEach(Array.from({ length: segments }, (_, i) => i), append, { concurrency: job.concurrency, discard: true })
    const finalize = yield* client.execute(HttpClientRequest.post(`/2/media/upload/${mediaId}/finalize`))
    yield* finalize.text
    return { mediaId }
  }).pipe(
    Effect.scoped,
    Effect.provide(Auth.layer(Credentials.oauth1(job.credentials), "v2").pipe(Layer.provide(NodeHttpClient.layerUndici))),
    Effect.runPromise
  )
