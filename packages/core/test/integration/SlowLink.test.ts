import { describe, expect, it } from "@effect/vitest"
import { Emulator, Fault } from "@x-media/emulator"
import { Duration, Effect, Layer, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { createServer as createHttpServer } from "node:http"
import * as MediaClient from "../../src/MediaClient.ts"
import { fromBytes, fromStream } from "../../src/MediaSource.ts"
import { sniffLength } from "../../src/MediaType.ts"
import type { UploadEvent } from "../../src/Progress.ts"
import { resume, upload } from "../../src/Upload.ts"
import { fingerprintOf, UploadSession } from "../../src/UploadSession.ts"
import * as XClient from "../../src/XClient.ts"
import { clientLayer, emulatorLayer, transports } from "../support/AgainstEmulator.ts"
import { listen } from "../support/LocalServer.ts"
import { testCredentials } from "../support/ScriptedX.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
const video = (size: number) => {
  const bytes = randomBytes(size)
  Buffer.concat([Buffer.from("00000018", "hex"), Buffer.from("ftypisom", "latin1")]).copy(bytes)
  return new Uint8Array(bytes)
}
const MiB = 1024 * 1024

/**
 * The case of issue #16, 20 times faster: 10 MB with the default options (4 MiB segments, 4 in
 * flight) through one shared uplink of 2 MB/s with an idle timeout of 4 s, as 100 KB/s with 80 s
 * (every time scaled by 1/20; the kernel's socket buffers, in bytes, are as they are). Before the
 * upload paced itself, every APPEND of 4 MiB timed out and the upload failed. The idle timeout was
 * 3 s until loopback's socket buffers took several MB of a body at once on this machine: a 4 MiB
 * segment sent again was then handed over whole at once and its answer came more than 3 s later, three
 * times in a row (undici, 3 runs of 3).
 */
for (const [transportName, transport] of transports) {
  describe(`a slow uplink (${transportName})`, () => {
    it.layer(emulatorLayer({ processing: { enabled: false }, throttle: { bytesPerSecond: 2_000_000 } }), {
      excludeTestServices: true
    })((it) => {
      it.effect(
        "10 MB with the default options succeeds: timed-out segments are sent again with fewer bytes in flight",
        () =>
          Effect.gen(function*() {
            const emulator = yield* Emulator
            const bytes = video(10_000_000)
            const events: Array<UploadEvent> = []
            const media = yield* upload(fromBytes(bytes, "video.mp4"), {
              onProgress: (event) => Effect.sync(() => events.push(event))
            })
            expect(media).toMatchObject({ size: 10_000_000, state: "succeeded", category: "tweet_video" })
            expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
            const adapted = events.filter((e) => e._tag === "Adapted")
            // It slowed down at least once, to fewer than 4 segments at a time, and went on.
            expect(adapted.length).toBeGreaterThanOrEqual(1)
            expect(adapted[0]).toMatchObject({
              reason: "timedOut",
              idleTimeoutMillis: 4000,
              concurrency: 2,
              chunkSize: 2 * MiB
            })
            // Every byte was answered for the media it ended with (a new INIT only if X had nothing).
            const answered = events.flatMap((
              e
            ) => (e._tag === "SegmentSent" && e.mediaId === media.mediaId ? [e.segmentBytes] : []))
            expect(answered.reduce((a, b) => a + b, 0)).toBe(10_000_000)
          }).pipe(Effect.provide(clientLayer("v2", "oauth1", { idleTimeout: "4 seconds", budget: false }, transport))),
        { timeout: 60_000 }
      )
    })

    // The link slows down after the first segments were answered: X has part of the upload, so the
    // upload does not start over; it sends the timed-out segments again and cuts the rest smaller.
    it.layer(emulatorLayer({ processing: { enabled: false }, throttle: { bytesPerSecond: 8_000_000 } }), {
      excludeTestServices: true
    })((it) => {
      it.effect(
        "segments not sent yet are cut smaller after a timeout, and the session records their sizes",
        () =>
          Effect.gen(function*() {
            const emulator = yield* Emulator
            // 6 segments of 1 MiB, 2 in flight: the first two go through at 8 MB/s, then 1 MB/s.
            const bytes = video(6 * MiB)
            const sessions: Array<UploadSession> = []
            const events: Array<UploadEvent> = []
            const media = yield* upload(fromBytes(bytes, "video.mp4"), {
              chunkSize: MiB,
              concurrency: 2,
              onProgress: (event) =>
                Effect.sync(() => {
                  if (event._tag === "SegmentSent" && event.segmentsSent === 1) {
                    emulator.setThrottle({ bytesPerSecond: 1_000_000 })
                  }
                  events.push(event)
                }),
              onSession: (session) => Effect.sync(() => sessions.push(session))
            })
            expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
            expect(events.filter((e) => e._tag === "Initialized")).toHaveLength(1)
            expect(events.some((e) => e._tag === "Adapted")).toBe(true)
            const last = sessions[sessions.length - 1]!
            expect(last.version).toBe(2)
            // The first segments keep 1 MiB; from some segment on they are smaller, and there are more.
            expect(last.runs[0]).toEqual({ from: 0, chunkSize: MiB })
            expect(last.runs.length).toBeGreaterThan(1)
            expect(last.runs[1]!.chunkSize).toBeLessThan(MiB)
            expect(last.segmentCount).toBeGreaterThan(6)
            expect(last.segmentsDone).toHaveLength(last.segmentCount)
            const sizes = emulator.media(media.mediaId)?.segments.map((s) => s.size) ?? []
            expect(sizes.reduce((a, b) => a + b, 0)).toBe(6 * MiB)
            expect(Math.min(...sizes)).toBeLessThan(MiB)
          }).pipe(
            Effect.provide(clientLayer("v2", "oauth1", { idleTimeout: "1500 millis", budget: false }, transport))
          ),
        { timeout: 60_000 }
      )
    })
  })

  describe(`a server that accepts and never answers (${transportName})`, () => {
    it.layer(emulatorLayer({ processing: { enabled: false } }), { excludeTestServices: true })((it) => {
      it.effect("every APPEND unanswered: UploadStalled after 3 idle times (each one slower), not 5 × 3 × 60 s", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "APPEND", times: Infinity, fault: Fault.neverAnswer() }])
          const events: Array<UploadEvent> = []
          const started = Date.now()
          const error = yield* upload(fromBytes(video(4 * MiB), "video.mp4"), {
            chunkSize: MiB,
            onProgress: (event) => Effect.sync(() => events.push(event))
          }).pipe(Effect.flip, Effect.ensuring(Effect.sync(() => emulator.setFaults([]))))
          const elapsed = Date.now() - started
          expect(error).toMatchObject({ _tag: "UploadStalled", timeouts: 3, idleTimeoutMillis: 500, concurrency: 1 })
          expect(error.message).toContain("got no answer within 0.5 s, 3 times in a row")
          expect(error.message).toContain("idleTimeout")
          expect(events.filter((e) => e._tag === "Adapted").map((e) => e._tag === "Adapted" && e.concurrency)).toEqual([
            2,
            1,
            1
          ])
          // Three rounds of 0.5 s: 4 × 1 MiB in flight; as X had nothing, a new INIT and 2 × 512 KiB;
          // again a new INIT and 1 × 256 KiB; then it gives up.
          expect(elapsed).toBeGreaterThanOrEqual(1500)
          expect(elapsed).toBeLessThan(5000)
          expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(3)
          expect(emulator.requests().filter((r) => r.step === "APPEND" || r.path.endsWith("/append"))).toHaveLength(
            4 + 2 + 1
          )
        }).pipe(Effect.provide(clientLayer("v2", "oauth1", { idleTimeout: "500 millis", budget: false }, transport))))

      it.effect("INIT unanswered: NetworkError(timedOut) after one idle time, sent once", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "INIT", times: Infinity, fault: Fault.neverAnswer() }])
          const started = Date.now()
          const error = yield* upload(fromBytes(video(MiB), "video.mp4")).pipe(
            Effect.flip,
            Effect.ensuring(Effect.sync(() => emulator.setFaults([])))
          )
          expect(error).toMatchObject({ _tag: "NetworkError", step: "INIT", timedOut: true, attempts: 1 })
          expect(Date.now() - started).toBeLessThan(2000)
          expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(1)
        }).pipe(Effect.provide(clientLayer("v2", "oauth1", { idleTimeout: "500 millis", budget: false }, transport))))
    })

    it.live("a server that answers INIT, then reads no APPEND body and never answers: UploadStalled within a few idle times", () =>
      Effect.gen(function*() {
        let appends = 0
        const server = createHttpServer((request, response) => {
          if (request.url?.endsWith("/initialize") === true) {
            response.writeHead(200, { "content-type": "application/json" })
            response.end(JSON.stringify({ data: { id: "1880028106020515840", expires_after_secs: 86400 } }))
            return
          }
          appends++ // read nothing, answer nothing: the client's writes stall once the buffers are full
        })
        const { port } = yield* listen(server)
        const started = Date.now()
        const error = yield* upload(fromBytes(video(12 * MiB), "video.mp4")).pipe(
          Effect.provide(MediaClient.layer.pipe(
            Layer.provide(XClient.layer({
              credentials: testCredentials.oauth2,
              baseUrl: `http://127.0.0.1:${port}`,
              idleTimeout: Duration.millis(500)
            })),
            Layer.provide(transport)
          )),
          Effect.flip
        )
        expect(error).toMatchObject({ _tag: "UploadStalled", timeouts: 3 })
        // Three rounds of 0.5 s, each aborted at once: 3 × 4 MiB; then (a new INIT, as the server
        // had nothing) 2 × 2 MiB; then (again) 1 × 1 MiB.
        expect(Date.now() - started).toBeLessThan(5000)
        expect(appends).toBe(3 + 2 + 1)
      }).pipe(Effect.scoped))
  })
}

describe("resuming a session whose later segments were cut smaller", () => {
  it.layer(emulatorLayer({ processing: { enabled: false } }), { excludeTestServices: true })((it) => {
    for (const [dialect, streamed] of [["v1", false], ["v2", false], ["v2", true]] as const) {
      it.effect(`${dialect}${streamed ? ", a stream" : ""}: sends only the missing segments, at the sizes the session recorded`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          const client = yield* MediaClient.MediaClient
          const bytes = video(10 * 1024)
          // Segments 0-1 of 4 KiB were sent, then the rest was cut in 1 KiB segments, of which 2 was sent.
          const start = yield* client.initialize({
            totalBytes: bytes.length,
            mediaType: "video/mp4",
            mediaCategory: "tweet_video"
          })
          yield* client.append(start, 0, bytes.subarray(0, 4096))
          yield* client.append(start, 1, bytes.subarray(4096, 8192))
          yield* client.append(start, 2, bytes.subarray(8192, 9216))
          const session = new UploadSession({
            version: 2,
            fingerprint: yield* fingerprintOf(bytes.subarray(0, sniffLength)),
            mediaId: start.mediaId,
            dialect,
            baseUrl: emulator.url,
            source: "video.mp4",
            totalBytes: bytes.length,
            mediaType: "video/mp4",
            category: "tweet_video",
            chunkSize: 4096,
            segmentRuns: [{ from: 0, chunkSize: 4096 }, { from: 2, chunkSize: 1024 }],
            segmentCount: 4,
            segmentsDone: [0, 1, 2],
            expiresAt: start.expiresAt,
            finalized: false
          })
          // A stream (read once, in odd pieces) is cut along the session's sizes as well.
          const pieces = Stream.fromIterable([
            bytes.subarray(0, 3000),
            bytes.subarray(3000, 9300),
            bytes.subarray(9300)
          ])
          const source = streamed ? fromStream(pieces, bytes.length, "video.mp4") : fromBytes(bytes, "video.mp4")
          const media = yield* resume(session, source)
          expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
          const appends = emulator.requests().filter((r) => r.step === "APPEND" && r.mediaId === start.mediaId)
          expect(appends.map((r) => r.segmentIndex)).toEqual([0, 1, 2, 3])
          expect(emulator.media(media.mediaId)?.segments.map((segment) => segment.size)).toEqual([
            4096,
            4096,
            1024,
            1024
          ])
        }).pipe(Effect.provide(clientLayer(dialect, "oauth1", { budget: false }))))
    }
  })
})
