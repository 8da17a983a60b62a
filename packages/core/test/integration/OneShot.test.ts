import { describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { Effect, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import type { Dialect } from "../../src/Dialect.ts"
import { MediaClient } from "../../src/MediaClient.ts"
import { fromBytes, fromStream } from "../../src/MediaSource.ts"
import type { UploadEvent } from "../../src/Progress.ts"
import { upload, type UploadOptions } from "../../src/Upload.ts"
import type * as XClient from "../../src/XClient.ts"
import { clientLayer, Emulator, emulatorLayer } from "../support/AgainstEmulator.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** A PNG signature and a header with its size (640×480), padded with random bytes to `size`. */
const png = (size: number): Uint8Array => {
  const bytes = randomBytes(size)
  Buffer.from("89504e470d0a1a0a0000000d4948445200000280000001e0", "hex").copy(bytes)
  return new Uint8Array(bytes)
}

const srt = new TextEncoder().encode("1\n00:00:00,000 --> 00:00:01,000\nHello\n")

const dialects: ReadonlyArray<Dialect> = ["v1", "v2"]

/** Uploads `bytes` on a fresh emulator record; the steps X saw, in order, and the progress events. */
const uploadSteps = (
  dialect: Dialect,
  bytes: Uint8Array,
  options: UploadOptions = {},
  client: Omit<XClient.Options, "credentials" | "dialect"> = {}
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    emulator.reset()
    const events: Array<UploadEvent> = []
    const media = yield* upload(fromBytes(bytes, "sample"), {
      ...options,
      onProgress: (event) => Effect.sync(() => events.push(event))
    })
    expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
    return { media, events, steps: emulator.requests().map((r) => r.step), emulator }
  }).pipe(Effect.provide(clientLayer(dialect, "oauth1", client)))

const failure = (bytes: Uint8Array) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    emulator.reset()
    return yield* Effect.flip(upload(fromBytes(bytes, "sample"), { mediaType: "image/png" }))
  })

const chunked = ["INIT", "APPEND", "FINALIZE"]

describe("media in one request (v2's one-shot upload, v1.1's simple upload)", () => {
  it.layer(emulatorLayer(), { excludeTestServices: true })((it) => {
    for (const dialect of dialects) {
      it.effect(`${dialect}: an image is one request, answered ready, with its events in order`, () =>
        Effect.gen(function*() {
          const { events, media, steps } = yield* uploadSteps(dialect, png(200_000))
          expect(steps).toEqual(["UPLOAD"])
          expect(media).toMatchObject({
            mediaType: "image/png",
            category: "tweet_image",
            size: 200_000,
            state: "succeeded"
          })
          expect(media.mediaId).toMatch(/^\d{19}$/)
          expect(events.map((e) => e._tag)).toEqual(["Planned", "SegmentSent", "Finalized", "Ready"])
          expect(events[1]).toMatchObject({ mediaId: media.mediaId, bytesSent: 200_000, segmentsSent: 1 })
        }))

      it.effect(`${dialect}: alt text follows the one request`, () =>
        Effect.gen(function*() {
          const { emulator, media, steps } = yield* uploadSteps(dialect, png(1000), { altText: "A cat" })
          expect(steps).toEqual(["UPLOAD", "METADATA"])
          expect(emulator.media(media.mediaId)?.altText).toBe("A cat")
        }))

      it.effect(`${dialect}: additional owners reach X in the one request`, () =>
        Effect.gen(function*() {
          const owners = ["1234567890", "42"]
          const { emulator, media, steps } = yield* uploadSteps(dialect, png(1000), { additionalOwners: owners })
          expect(steps).toEqual(["UPLOAD"])
          expect(emulator.media(media.mediaId)?.additionalOwners).toEqual(owners)
        }))

      it.effect(`${dialect}: oneShot false, an image over one chunk, and a GIF go in chunks`, () =>
        Effect.gen(function*() {
          expect((yield* uploadSteps(dialect, png(1000), { oneShot: false })).steps).toEqual(chunked)
          expect((yield* uploadSteps(dialect, png(1025), { chunkSize: 1024 })).steps).toEqual([
            "INIT",
            "APPEND",
            "APPEND",
            "FINALIZE"
          ])
          const gif = new Uint8Array(randomBytes(2000))
          gif.set(new TextEncoder().encode("GIF89a"))
          const { media, steps } = yield* uploadSteps(dialect, gif, { wait: false })
          expect(media.category).toBe("tweet_gif")
          expect(steps).toEqual(chunked)
        }))

      it.effect(`${dialect}: an image up to 5 MiB is one request with the default chunk size; a chunk size given bounds it`, () =>
        Effect.gen(function*() {
          const whole = yield* uploadSteps(dialect, png(5 * 1024 * 1024))
          expect(whole.steps).toEqual(["UPLOAD"])
          expect(whole.events[0]).toMatchObject({ _tag: "Planned", oneRequest: true, segmentCount: 2 })
          const bounded = yield* uploadSteps(dialect, png(4 * 1024 * 1024 + 1), { chunkSize: 4 * 1024 * 1024 })
          expect(bounded.steps).toEqual(["INIT", "APPEND", "APPEND", "FINALIZE"])
          expect(bounded.events[0]).toMatchObject({ _tag: "Planned", oneRequest: false, segmentCount: 2 })
        }))

      it.effect(`${dialect}: a 429 on the one request falls back to chunks at once, without waiting`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "UPLOAD", fault: Fault.rateLimited(900) }])
          const events: Array<UploadEvent> = []
          yield* upload(fromBytes(png(1000), "a.png"), { onProgress: (e) => Effect.sync(() => events.push(e)) })
          emulator.setFaults([])
          expect(emulator.requests().map((r) => [r.step, r.status])).toEqual([
            ["UPLOAD", 429],
            ["INIT", dialect === "v1" ? 202 : 200],
            ["APPEND", dialect === "v1" ? 204 : 200],
            ["FINALIZE", 200]
          ])
          expect(events.filter((e) => e._tag === "RateLimitWait")).toEqual([])
          expect(events.map((e) => e._tag).slice(0, 3)).toEqual(["Planned", "ChunkedInstead", "Initialized"])
          expect(events[1]).toMatchObject({ chunkSize: 4 * 1024 * 1024, segmentCount: 1, concurrency: 4 })
          expect(events[1]).toHaveProperty("reason", expect.stringMatching(/^its rate-limit window is used up until /))
        }).pipe(Effect.provide(clientLayer(dialect))))

      it.effect(`${dialect}: an error status (404, 400, 503 after retries) or an unexpected answer: chunks`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          const faults = [
            Fault.httpError(404),
            Fault.httpError(400),
            Fault.httpError(503),
            Fault.malformedBody("{\"data\":{}}")
          ]
          for (const fault of faults) {
            emulator.reset()
            emulator.setFaults([{ step: "UPLOAD", times: Infinity, fault }])
            const bytes = png(1000)
            const media = yield* upload(fromBytes(bytes, "a.png"))
            expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
            const steps = emulator.requests().map((r) => r.step)
            expect(steps.filter((step) => step !== "UPLOAD")).toEqual(chunked)
          }
          emulator.setFaults([])
        }).pipe(Effect.provide(clientLayer(dialect, "oauth1", { retry: { baseDelay: "1 millis", maxAttempts: 2 } }))))

      it.effect(`${dialect}: refused credentials end the upload at the one request, without chunks`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "UPLOAD", fault: Fault.httpError(401) }])
          const error = yield* Effect.flip(upload(fromBytes(png(1000), "a.png")))
          emulator.setFaults([])
          expect(error).toMatchObject({ _tag: "AuthenticationFailed", step: "UPLOAD", status: 401 })
          expect(emulator.requests().map((r) => r.step)).toEqual(["UPLOAD"])
        }).pipe(Effect.provide(clientLayer(dialect))))

      it.effect(`${dialect}: bytes that are no image: refused in one request, then at FINALIZE`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          const error = yield* failure(png(1000).map((byte, i) => (i < 8 ? 0 : byte)))
          expect(error).toMatchObject({ _tag: "XApiError", step: "FINALIZE", status: 400 })
          expect(emulator.requests().map((r) => [r.step, r.status])).toEqual([
            ["UPLOAD", 400],
            ["INIT", dialect === "v1" ? 202 : 200],
            ["APPEND", dialect === "v1" ? 204 : 200],
            ["FINALIZE", 400]
          ])
        }).pipe(Effect.provide(clientLayer(dialect))))
    }

    it.effect("a deadline that passes during the one request names the phase uploading", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator
        emulator.reset()
        emulator.setFaults([{ step: "UPLOAD", fault: Fault.delay(5000) }])
        const error = yield* Effect.flip(upload(fromBytes(png(1000), "a.png"), { deadline: "300 millis" }))
        emulator.setFaults([])
        expect(error).toMatchObject({ _tag: "DeadlineExceeded", phase: "uploading", deadlineMillis: 300 })
      }).pipe(Effect.provide(clientLayer("v2"))))

    it.effect("v2: subtitles are one request; v1.1 sends them in chunks", () =>
      Effect.gen(function*() {
        const v2 = yield* uploadSteps("v2", srt, { mediaType: "text/srt" })
        expect(v2.steps).toEqual(["UPLOAD"])
        expect(v2.media).toMatchObject({ mediaType: "text/srt", category: "subtitles", state: "succeeded" })
        expect((yield* uploadSteps("v1", srt, { mediaType: "text/srt" })).steps).toEqual(chunked)
      }))

    for (
      const [kind, sourceOf] of [
        ["bytes", (bytes: Uint8Array) => fromBytes(bytes, "a.png")],
        // A stream is read once; after the one request its bytes are in memory and cut like bytes.
        ["a stream", (bytes: Uint8Array) => fromStream(Stream.make(bytes), bytes.byteLength, "a.png")]
      ] as const
    ) {
      it.effect(`an idle timeout of the one request falls back to chunks, which finish (${kind})`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "UPLOAD", fault: Fault.neverAnswer() }])
          const bytes = png(4 * 1024 * 1024 + 1000)
          const events: Array<UploadEvent> = []
          const media = yield* upload(sourceOf(bytes), { onProgress: (e) => Effect.sync(() => events.push(e)) })
          emulator.setFaults([])
          expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
          // The timeout halved the pace: three segments of 2 MiB at most, two at a time.
          expect(emulator.requests().map((r) => r.step)).toEqual([
            "UPLOAD",
            "INIT",
            "APPEND",
            "APPEND",
            "APPEND",
            "FINALIZE"
          ])
          expect(events.find((e) => e._tag === "ChunkedInstead")).toMatchObject({
            chunkSize: 2 * 1024 * 1024,
            segmentCount: 3,
            concurrency: 2
          })
          expect(events.find((e) => e._tag === "ChunkedInstead")).toHaveProperty(
            "reason",
            "no answer came within 0.3 s after the request was sent"
          )
        }).pipe(Effect.provide(clientLayer("v2", "oauth1", { idleTimeout: "300 millis" }))))
    }
  })

  it.layer(emulatorLayer({ rateLimits: { UPLOAD: 1 } }), { excludeTestServices: true })((it) => {
    it.effect("once X says the one-request window is used up, the next image goes in chunks without waiting", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator
        const events: Array<UploadEvent> = []
        const onProgress = (e: UploadEvent) => Effect.sync(() => events.push(e))
        yield* upload(fromBytes(png(1000), "a.png"), { onProgress })
        yield* upload(fromBytes(png(1000), "b.png"), { onProgress })
        expect(emulator.requests().map((r) => r.step)).toEqual(["UPLOAD", ...chunked])
        expect(emulator.tooManyRequests()).toBe(0)
        expect(events.filter((e) => e._tag === "RateLimitWait")).toEqual([])
      }).pipe(Effect.provide(clientLayer("v2"))))
  })
})

/** The client-side view: `MediaClient.oneShot` itself, in both dialects. */
describe("MediaClient.oneShot", () => {
  it.layer(emulatorLayer(), { excludeTestServices: true })((it) => {
    for (const dialect of dialects) {
      it.effect(`${dialect}: answers Ready with the media X made`, () =>
        Effect.gen(function*() {
          const client = yield* MediaClient
          const status = yield* client.oneShot({ mediaCategory: "tweet_image" }, png(500))
          expect(status._tag).toBe("Ready")
          const emulator = yield* Emulator
          expect(emulator.media(status.mediaId)).toMatchObject({ dialect, category: "tweet_image" })
        }).pipe(Effect.provide(clientLayer(dialect))))
    }
  })
})
