import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, type FileSystem } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Dialect } from "../../src/Dialect.ts"
import type { MediaClient } from "../../src/MediaClient.ts"
import { fromBytes, fromFile, type MediaSource } from "../../src/MediaSource.ts"
import type { UploadEvent } from "../../src/Progress.ts"
import { upload, type UploadOptions } from "../../src/Upload.ts"
import { clientLayer, Emulator, emulatorLayer, type Scheme } from "../support/AgainstEmulator.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** Bytes that sniff as the given type, padded with random bytes to `size`. */
const media = (kind: "png" | "gif" | "mp4", size: number): Uint8Array => {
  const bytes = randomBytes(size)
  const magic = kind === "png"
    ? Buffer.from("89504e470d0a1a0a", "hex")
    : kind === "gif"
    ? Buffer.from("GIF89a", "latin1")
    : Buffer.concat([Buffer.from("00000018", "hex"), Buffer.from("ftypisom", "latin1")])
  magic.copy(bytes, 0, 0, Math.min(magic.length, size))
  return new Uint8Array(bytes)
}

const run = <A, E>(
  dialect: Dialect,
  effect: Effect.Effect<
    A,
    E,
    Emulator | MediaClient | FileSystem.FileSystem
  >,
  scheme: Scheme = "oauth1"
) => Effect.provide(effect, clientLayer(dialect, scheme))

const uploadAndCheck = (dialect: Dialect, bytes: Uint8Array, options: UploadOptions = {}, scheme: Scheme = "oauth1") =>
  run(
    dialect,
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const events: Array<UploadEvent> = []
      const result = yield* upload(fromBytes(bytes, "sample"), {
        ...options,
        onProgress: (e) => Effect.sync(() => events.push(e))
      })
      const recorded = emulator.media(result.mediaId)
      expect(recorded?.sha256).toBe(sha256(bytes))
      expect(recorded?.dialect).toBe(dialect)
      return { result, events, recorded, emulator }
    }),
    scheme
  )

const dialects: ReadonlyArray<Dialect> = ["v1", "v2"]

describe("upload against the emulator", () => {
  it.layer(emulatorLayer({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } }), { excludeTestServices: true })(
    (it) => {
      for (const dialect of dialects) {
        it.effect(`${dialect}: an image is ready at FINALIZE, bytes intact, no STATUS sent`, () =>
          Effect.gen(function*() {
            const { result, recorded, emulator } = yield* uploadAndCheck(dialect, media("png", 200_000))
            expect(result).toMatchObject({
              mediaType: "image/png",
              category: "tweet_image",
              size: 200_000,
              state: "succeeded"
            })
            expect(result.mediaId).toMatch(/^\d{19}$/)
            expect(recorded?.processed).toBe(false)
            const mine = emulator.requests().filter((r) => r.mediaId === result.mediaId)
            expect(mine.filter((r) => r.step === "STATUS")).toHaveLength(0)
            expect(mine.every((r) => r.auth === "oauth1")).toBe(true)
          }))

        it.effect(`${dialect}: a readAt of your own gets a scratch buffer, even over a fromBytes source`, () =>
          Effect.gen(function*() {
            const bytes = media("mp4", 5000)
            const scratch: Array<number> = []
            const own: MediaSource = {
              ...fromBytes(bytes, "sample.mp4"),
              open: Effect.map(fromBytes(bytes, "sample.mp4").open, (opened) => ({
                ...opened,
                readAt: (offset: number, length: number, buffer: Uint8Array) =>
                  Effect.sync(() => {
                    scratch.push(buffer.byteLength)
                    buffer.set(bytes.subarray(offset, offset + length))
                    return buffer.subarray(0, length)
                  })
              }))
            }
            const result = yield* run(dialect, upload(own, { chunkSize: 2048, concurrency: 2, wait: false }))
            expect(scratch).toEqual([2048, 2048, 2048])
            expect(result.size).toBe(5000)
          }))

        it.effect(`${dialect}: a video is processed and polled without a premature STATUS`, () =>
          Effect.gen(function*() {
            const { result, recorded, events } = yield* uploadAndCheck(dialect, media("mp4", 300_000))
            expect(result).toMatchObject({ mediaType: "video/mp4", category: "tweet_video", state: "succeeded" })
            expect(recorded).toMatchObject({ processed: true, state: "succeeded", prematureStatusChecks: 0 })
            expect(recorded!.statusChecks).toBeGreaterThanOrEqual(1)
            const processing = events.filter((e) => e._tag === "ProcessingUpdate")
            expect(processing.length).toBeGreaterThanOrEqual(1)
            expect(events.at(-1)?._tag).toBe("Ready")
          }))

        it.effect(`${dialect}: a GIF goes through tweet_gif processing`, () =>
          Effect.gen(function*() {
            const { result, recorded } = yield* uploadAndCheck(dialect, media("gif", 50_000))
            expect(result).toMatchObject({ mediaType: "image/gif", category: "tweet_gif", state: "succeeded" })
            expect(recorded?.processed).toBe(true)
          }))

        it.effect(`${dialect}: chunk edges (1 byte, exactly one chunk, one byte over) upload exactly`, () =>
          Effect.gen(function*() {
            for (const size of [1, 1024, 1025]) {
              // One byte cannot be a valid image, and X checks images at FINALIZE: send it as subtitles.
              const bytes = size === 1 ? new Uint8Array([0x31]) : media("png", size)
              const { recorded } = yield* uploadAndCheck(dialect, bytes, {
                chunkSize: 1024,
                mediaType: size === 1 ? "text/srt" : "image/png"
              })
              expect(recorded?.segments.map((s) => s.size)).toEqual(size === 1025 ? [1024, 1] : [size])
            }
          }))

        it.effect(`${dialect}: alt text is set once the media is ready`, () =>
          Effect.gen(function*() {
            const { recorded, events } = yield* uploadAndCheck(dialect, media("png", 1000), {
              altText: "A cat, dancing ☃"
            })
            expect(recorded?.altText).toBe("A cat, dancing ☃")
            expect(events.some((e) => e._tag === "AltTextSet")).toBe(true)
          }))
      }

      it.effect("v2 with an OAuth 2.0 token uploads the same way", () =>
        Effect.gen(function*() {
          const { result, emulator } = yield* uploadAndCheck("v2", media("mp4", 100_000), {}, "oauth2")
          const mine = emulator.requests().filter((r) => r.mediaId === result.mediaId)
          expect(mine.every((r) => r.auth === "oauth2")).toBe(true)
        }))

      it.effect("progress events add up to the file size and cover every phase", () =>
        Effect.gen(function*() {
          const bytes = media("mp4", 10 * 1024 + 17)
          const { events } = yield* uploadAndCheck("v2", bytes, { chunkSize: 1024, concurrency: 3 })
          const segments = events.filter((e) => e._tag === "SegmentSent")
          expect(segments).toHaveLength(11)
          expect(segments.reduce((n, e) => n + e.segmentBytes, 0)).toBe(bytes.byteLength)
          expect(segments.at(-1)?.bytesSent).toBe(bytes.byteLength)
          expect(new Set(segments.map((e) => e.segmentIndex))).toEqual(new Set(Array(11).keys()))
          const phases = [...new Set(events.map((e) => e._tag))]
          expect(phases).toEqual(
            expect.arrayContaining(["Planned", "Initialized", "SegmentSent", "Finalized", "ProcessingUpdate", "Ready"])
          )
        }))

      it.effect("a file path is streamed from disk", () =>
        Effect.acquireUseRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "x-media-upload-"))),
          (dir) =>
            run(
              "v2",
              Effect.gen(function*() {
                const emulator = yield* Emulator
                const bytes = media("mp4", 3 * 1024 * 1024 + 5)
                const path = join(dir, "clip.mp4")
                writeFileSync(path, bytes)
                const result = yield* upload(fromFile(path), { chunkSize: 1024 * 1024 })
                expect(emulator.media(result.mediaId)?.sha256).toBe(sha256(bytes))
                expect(emulator.media(result.mediaId)?.segments).toHaveLength(4)
              })
            ),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        ))
    }
  )

  it.layer(
    emulatorLayer({
      processing: { enabled: false },
      faults: [{ step: "APPEND", times: Infinity, fault: { _tag: "Delay", millis: 40 } }]
    }),
    { excludeTestServices: true }
  )((it) => {
    it.effect("never more than `concurrency` APPENDs are in flight, and they do overlap", () =>
      Effect.gen(function*() {
        for (const concurrency of [1, 3]) {
          const { recorded } = yield* uploadAndCheck("v2", media("mp4", 12 * 1024), { chunkSize: 1024, concurrency })
          expect(recorded?.maxConcurrentAppends).toBe(concurrency)
        }
      }))

    it.effect("interrupting an upload aborts the requests in flight and leaves nothing running", () =>
      run(
        "v2",
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          const fiber = yield* upload(fromBytes(media("mp4", 64 * 1024), "big.mp4"), {
            chunkSize: 1024,
            concurrency: 2
          }).pipe(
            Effect.forkChild
          )
          // Interrupt once APPENDs are under way (polling: a loaded machine may take a while to get there).
          yield* Effect.sleep("20 millis").pipe(
            Effect.repeat({ until: () => emulator.requests().some((r) => r.step === "APPEND"), times: 500 })
          )
          yield* Fiber.interrupt(fiber)
          const exit = fiber.pollUnsafe()
          expect(exit?._tag).toBe("Failure")
          // The server sees aborted sockets a moment later; give it that moment, then nothing may move.
          yield* Effect.sleep("200 millis")
          const settled = emulator.requests().length
          yield* Effect.sleep("300 millis")
          expect(emulator.requests().length).toBe(settled)
          const appends = emulator.requests().filter((r) => r.step === "APPEND")
          expect(appends.length).toBeGreaterThan(0)
          expect(appends.length).toBeLessThan(64)
          expect(appends.every((r) => r.endedAt !== undefined)).toBe(true)
          expect(emulator.requests().some((r) => r.step === "FINALIZE")).toBe(false)
        })
      ))
  })

  it.layer(emulatorLayer({ processing: { enabled: false }, limits: { maxSegments: 4 } }), {
    excludeTestServices: true
  })((it) => {
    it.effect("the chunk size grows so that no upload needs more segments than allowed", () =>
      Effect.gen(function*() {
        const bytes = media("mp4", 20 * 1024 * 1024)
        const { recorded, events } = yield* uploadAndCheck("v2", bytes, { limits: { maxSegments: 4 } })
        const planned = events.find((e) => e._tag === "Planned")
        expect(planned).toMatchObject({ chunkSize: 5 * 1024 * 1024, segmentCount: 4 })
        expect(recorded?.segments).toHaveLength(4)
      }))
  })

  it.layer(emulatorLayer(), { excludeTestServices: true })((it) => {
    const cases: ReadonlyArray<[string, Uint8Array, UploadOptions, string]> = [
      ["an empty file", new Uint8Array(0), {}, "EmptyMedia"],
      ["an image over 5 MB", media("png", 5 * 1024 * 1024 + 1), {}, "MediaTooLarge"],
      ["bytes of no known type", new Uint8Array(100).fill(1), {}, "UnknownMediaType"],
      ["a category that does not fit the type", media("mp4", 100), { category: "tweet_image" }, "CategoryMismatch"],
      ["alt text over 1000 characters", media("png", 100), { altText: "x".repeat(1001) }, "InvalidAltText"],
      ["alt text on a video", media("mp4", 100), { altText: "a video" }, "InvalidAltText"],
      ["a chunk size over 5 MiB", media("mp4", 100), { chunkSize: 6 * 1024 * 1024 }, "InvalidOption"],
      ["concurrency 0", media("mp4", 100), { concurrency: 0 }, "InvalidOption"],
      ["a media type X does not accept", media("mp4", 100), { mediaType: "application/pdf" }, "UnknownMediaType"]
    ]
    for (const [name, bytes, options, tag] of cases) {
      it.effect(`${name} fails with ${tag} before any request`, () =>
        run(
          "v2",
          Effect.gen(function*() {
            const emulator = yield* Emulator
            const before = emulator.requests().length
            const error = yield* upload(fromBytes(bytes, "input"), options).pipe(Effect.flip)
            expect(error._tag).toBe(tag)
            expect(error.message.length).toBeGreaterThan(20)
            expect(emulator.requests().length).toBe(before)
          })
        ))
    }
  })
})
