/**
 * The effect floor: the raw uploader's protocol (INIT, APPEND as multipart, FINALIZE, STATUS while
 * processing) written as the smallest effect program that can do it: effect's `HttpClient` on
 * @effect/platform-node's node:http client (keep-alive), each body a Stream of views (no copy of a
 * segment), `Effect.forEach` for the workers, file reads and OAuth 1.0a signing as the raw uploader does
 * them. No validation, no retries, no progress, no rate budget, no Schema.
 *
 * Bundled into one file and run cold as a process like the CLI, it shows what any effect-based command
 * pays before and around its requests (loading the runtime and the HTTP stack, the fiber per request):
 * the gap between raw and this floor is effect's; the gap between this floor and the CLI is x-media's.
 *
 * @module
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Stream from "effect/Stream"
import { open } from "node:fs/promises"
import type { Job } from "../job.ts"
import { authorization } from "../oauth1.ts"
import { mediaOf } from "./raw.ts"

type Params = ReadonlyArray<readonly [string, string]>

/** The floor's upload of `job` as an effect (it needs an `HttpClient`). */
export const program = (job: Job) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const v1 = job.dialect === "v1"
    const sign = (request: HttpClientRequest.HttpClientRequest, params: Params = []) => {
      const url = new URL(request.url)
      return HttpClientRequest.setHeader(
        request,
        "authorization",
        job.auth === "oauth2"
          ? `Bearer ${job.credentials.oauth2Token}`
          : authorization(job.credentials, request.method, `${url.origin}${url.pathname}`, params)
      )
    }
    const send = (request: HttpClientRequest.HttpClientRequest) =>
      client.execute(request).pipe(
        Effect.flatMap((response) =>
          Effect.flatMap(response.text, (text) =>
            response.status >= 200 && response.status < 300
              ? Effect.succeed(text)
              : Effect.die(new Error(`${request.method} ${request.url} answered ${response.status}: ${text}`)))
        )
      )
    const form = (url: string, params: Params) =>
      send(sign(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUrlParams(Object.fromEntries(params))), params))
    const v1Url = `${job.baseUrl}/1.1/media/upload.json`
    const initText = v1
      ? yield* form(v1Url, [["command", "INIT"], ["total_bytes", String(job.bytes)], ["media_type", job.mediaType], [
        "media_category",
        job.category
      ]])
      : yield* send(sign(
        HttpClientRequest.post(`${job.baseUrl}/2/media/upload/initialize`).pipe(
          HttpClientRequest.bodyJsonUnsafe({
            media_type: job.mediaType,
            total_bytes: job.bytes,
            media_category: job.category
          })
        )
      ))
    const init = mediaOf(initText)
    const mediaId = (v1 ? init.media_id_string : init.id) ?? ""
    const appendUrl = v1 ? v1Url : `${job.baseUrl}/2/media/upload/${mediaId}/append`
    const boundary = `----xmediabench${Math.random().toString(16).slice(2)}`
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    const suffix = Buffer.from(`\r\n--${boundary}--\r\n`)
    const segments = Math.ceil(job.bytes / job.chunkSize)
    const file = yield* Effect.acquireRelease(Effect.promise(() => open(job.path, "r")), (f) =>
      Effect.promise(() => f.close()))
    let next = 0
    const worker = Effect.gen(function*() {
      const buffer = Buffer.allocUnsafe(Math.min(job.chunkSize, job.bytes))
      while (next < segments) {
        const index = next++
        const offset = index * job.chunkSize
        const length = Math.min(job.chunkSize, job.bytes - offset)
        yield* Effect.promise(async () => {
          for (let filled = 0; filled < length;) {
            const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled)
            if (bytesRead === 0) {
              throw new Error(`the file ended at ${offset + filled} bytes`)
            }
            filled += bytesRead
          }
        })
        const prefix = Buffer.from(
          (v1 ? field("command", "APPEND") + field("media_id", mediaId) : "") + field("segment_index", String(index)) +
            `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n`
        )
        const segment = buffer.subarray(0, length)
        yield* send(sign(
          HttpClientRequest.post(appendUrl).pipe(
            HttpClientRequest.bodyStream(Stream.fromIterable([prefix, segment, suffix]), {
              contentType: `multipart/form-data; boundary=${boundary}`,
              contentLength: prefix.byteLength + length + suffix.byteLength
            })
          )
        ))
      }
    })
    yield* Effect.forEach(Array.from({ length: Math.min(job.concurrency, segments) }), () =>
      worker, {
      concurrency: "unbounded",
      discard: true
    })
    let answer = v1
      ? yield* form(v1Url, [["command", "FINALIZE"], ["media_id", mediaId]])
      : yield* send(sign(HttpClientRequest.post(`${job.baseUrl}/2/media/upload/${mediaId}/finalize`)))
    for (let info = mediaOf(answer).processing_info; info !== undefined && info.state !== "succeeded";) {
      if (info.state === "failed") return yield* Effect.die(new Error(`processing failed: ${answer}`))
      yield* Effect.sleep((info.check_after_secs ?? 1) * 1000)
      const params: Params = [["command", "STATUS"], ["media_id", mediaId]]
      answer = yield* send(sign(
        HttpClientRequest.get(v1 ? v1Url : `${job.baseUrl}/2/media/upload`, { urlParams: Object.fromEntries(params) }),
        params
      ))
      info = mediaOf(answer).processing_info
    }
    return { mediaId }
  }).pipe(Effect.scoped)

/** Uploads `job.path` with the effect floor and returns the media id. */
export const uploadEffectFloor = (job: Job): Promise<{ readonly mediaId: string }> =>
  program(job).pipe(Effect.provide(NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })), Effect.runPromise)
