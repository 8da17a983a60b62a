import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { fromBytes, type MediaSource, type OpenedMedia } from "../src/MediaSource.ts"
import type { UploadEvent } from "../src/Progress.ts"
import { upload } from "../src/Upload.ts"
import { scriptedClient, type Sent } from "./support/ScriptedX.ts"

const mediaId = "1880028106020515840"
const chunk = 1024

const png = (size: number) => {
  const bytes = new Uint8Array(size).map((_, i) => i % 251)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return bytes
}

const settle = TestClock.withLive(Effect.sleep("5 millis"))
const advance = (millis: number) => Effect.andThen(settle, Effect.andThen(TestClock.adjust(millis), settle))

/** X for a whole v2 upload; APPENDs take `appendMillis` to answer. */
const x = (
  appendMillis = 0,
  finalize: (sent: Sent) => unknown = () => ({ data: { id: mediaId, expires_after_secs: 86400 } })
) =>
  scriptedClient((sent) => {
    if (sent.url.endsWith("/initialize")) return { body: { data: { id: mediaId, expires_after_secs: 86400 } } }
    if (sent.url.endsWith("/append")) return { status: 204, delayMillis: appendMillis }
    if (sent.url.endsWith("/finalize")) return { body: finalize(sent) }
    return { body: { data: { id: mediaId, expires_after_secs: 86400, processing_info: { state: "succeeded" } } } }
  })

describe("sending segments", () => {
  it.effect("a random-access source is read into a pool of `concurrency` reused buffers, and the bound is reached", () =>
    Effect.gen(function*() {
      const bytes = png(20 * chunk)
      const scratches = new Set<Uint8Array>()
      const inner = fromBytes(bytes, "a.png")
      // A file-like source: it copies each segment into the buffer it is given, as files do.
      const source: MediaSource = {
        ...inner,
        open: Effect.map(inner.open, (opened): OpenedMedia => ({
          ...opened,
          readAt: (offset, length, scratch) =>
            Effect.sync(() => {
              scratches.add(scratch)
              scratch.set(bytes.subarray(offset, offset + length))
              return scratch.subarray(0, length)
            })
        }))
      }
      const server = x(1000)
      const fiber = yield* upload(source, { chunkSize: chunk, concurrency: 3 }).pipe(
        Effect.provide(server.layer),
        Effect.forkChild
      )
      for (let i = 0; i < 10; i++) yield* advance(1000)
      const media = yield* Fiber.join(fiber)
      expect(media.size).toBe(20 * chunk)
      expect(scratches.size).toBe(3)
      const appendTimes = server.sent.filter((s) => s.url.endsWith("/append")).map((s) => s.at)
      // Three at a time, each second: the bound is reached and never passed.
      const perSecond = new Map<number, number>()
      for (const at of appendTimes) perSecond.set(at, (perSecond.get(at) ?? 0) + 1)
      expect(Math.max(...perSecond.values())).toBe(3)
      expect(appendTimes).toHaveLength(20)
    }))

  it.effect("segments are recorded in order in the saved sessions, whatever order they finish in", () =>
    Effect.gen(function*() {
      const server = x()
      const saved: Array<ReadonlyArray<number>> = []
      yield* upload(fromBytes(png(8 * chunk), "a.png"), {
        chunkSize: chunk,
        concurrency: 4,
        onSession: (session) => Effect.sync(() => saved.push(session.segmentsDone))
      }).pipe(Effect.provide(server.layer))
      // After INIT, after each segment (growing by one, sorted), after FINALIZE.
      expect(saved.slice(1, 9).map((done) => done.length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      for (const done of saved) expect([...done]).toEqual([...done].sort((a, b) => a - b))
    }))
})

describe("APPENDs that get no answer within the idle time (TestClock)", () => {
  /** X whose APPENDs answer after 1 s, except those `silent` picks, which never answer. */
  const slowX = (silent: (segment: number, attempt: number) => boolean) => {
    const attempts = new Map<number, number>()
    return scriptedClient((sent) => {
      if (sent.url.endsWith("/initialize")) return { body: { data: { id: mediaId, expires_after_secs: 86400 } } }
      if (sent.url.endsWith("/append")) {
        const segment = Number(sent.params["segment_index"])
        const attempt = (attempts.get(segment) ?? 0) + 1
        attempts.set(segment, attempt)
        return { status: 204, delayMillis: silent(segment, attempt) ? 3_600_000 : 1000 }
      }
      return { body: { data: { id: mediaId, expires_after_secs: 86400 } } }
    }, { idleTimeout: "10 seconds" })
  }

  it.effect("they are sent again with fewer in flight, once per round, and the upload succeeds", () =>
    Effect.gen(function*() {
      // The first four APPENDs (one per segment 0-3) never answer; every other one takes 1 s.
      const server = slowX((segment, attempt) => segment < 4 && attempt === 1)
      const events: Array<UploadEvent> = []
      const fiber = yield* upload(fromBytes(png(8 * chunk), "a.png"), {
        chunkSize: chunk,
        concurrency: 4,
        onProgress: (event) => Effect.sync(() => events.push(event))
      }).pipe(Effect.provide(server.layer), Effect.forkChild)
      for (let i = 0; i < 20; i++) yield* advance(1000)
      const media = yield* Fiber.join(fiber)
      expect(media.size).toBe(8 * chunk)
      const appends = server.sent.filter((s) => s.url.endsWith("/append"))
      // At 0 s the first four; at 10 s all four time out together: one slow-down, to 2 at a time.
      expect(appends.slice(0, 4).map((s) => s.at)).toEqual([0, 0, 0, 0])
      const adapted = events.filter((e) => e._tag === "Adapted")
      expect(adapted).toHaveLength(1)
      expect(adapted[0]).toMatchObject({
        concurrency: 2,
        idleTimeoutMillis: 10_000,
        waitedMillis: 10_000,
        timeoutsInARow: 1
      })
      const later = appends.slice(4)
      expect(later).toHaveLength(8)
      for (const s of later) expect(s.at).toBeGreaterThanOrEqual(10_000)
      // Never more than two at once after the slow-down (answers take 1 s): at most 2 per second…
      const perSecond = new Map<number, number>()
      for (const s of later) perSecond.set(s.at, (perSecond.get(s.at) ?? 0) + 1)
      expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(3)
      // …and each of segments 0-3 was sent twice, the others once.
      const counts = new Map<string, number>()
      for (const s of appends) counts.set(s.params["segment_index"]!, (counts.get(s.params["segment_index"]!) ?? 0) + 1)
      expect([...counts.entries()].sort()).toEqual([["0", 2], ["1", 2], ["2", 2], ["3", 2], ["4", 1], ["5", 1], [
        "6",
        1
      ], ["7", 1]])
    }))

  it.effect("when nothing answers, the upload fails with UploadStalled after exactly 3 idle times, not 5 attempts × 60 s", () =>
    Effect.gen(function*() {
      const server = slowX(() => true)
      const fiber = yield* upload(fromBytes(png(8 * chunk), "a.png"), { chunkSize: chunk, concurrency: 4 }).pipe(
        Effect.provide(server.layer),
        Effect.flip,
        Effect.forkChild
      )
      for (let i = 0; i < 29; i++) yield* advance(1000)
      yield* advance(999)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* advance(1)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "UploadStalled",
        mediaId,
        timeouts: 3,
        idleTimeoutMillis: 10_000,
        concurrency: 1,
        chunkSize: chunk
      })
      const segment = error._tag === "UploadStalled" ? error.segmentIndex : -1
      expect(error.message).toBe(
        `Segment ${segment} (1 KiB) of media ${mediaId} got no answer within 10 s, 3 times in a row, ` +
          "though the upload had slowed down to 1 segment of at most 1 KiB at a time: the link to X is too slow for that idle time, " +
          "or X does not answer. Allow more idle time (the idleTimeout option), or try again on a faster link."
      )
      // 4 at 0 s, 2 at 10 s, 1 at 20 s: each round sends less.
      expect(server.sent.filter((s) => s.url.endsWith("/append")).map((s) => s.at)).toEqual([
        0,
        0,
        0,
        0,
        10_000,
        10_000,
        20_000
      ])
    }))
})

describe("starting over when nothing reached X (TestClock)", () => {
  it.effect("the segments cut before the slow-down are too large and X has none: a new INIT, smaller segments, success", () =>
    Effect.gen(function*() {
      const first = "1880028106020515840"
      const second = "1880028106020515841"
      let inits = 0
      const server = scriptedClient((sent) => {
        if (sent.url.endsWith("/initialize")) {
          inits++
          return { body: { data: { id: inits === 1 ? first : second, expires_after_secs: 86400 } } }
        }
        // The first media's APPENDs never answer; the second's take 1 s.
        if (sent.url.endsWith("/append")) {
          return { status: 204, delayMillis: sent.url.includes(first) ? 3_600_000 : 1000 }
        }
        return { body: { data: { id: second, expires_after_secs: 86400 } } }
      }, { idleTimeout: "10 seconds" })
      const MiB = 1024 * 1024
      const events: Array<UploadEvent> = []
      const fiber = yield* upload(fromBytes(png(2 * MiB), "a.png"), {
        chunkSize: MiB,
        concurrency: 2,
        onProgress: (event) => Effect.sync(() => events.push(event))
      }).pipe(Effect.provide(server.layer), Effect.forkChild)
      for (let i = 0; i < 30; i++) yield* advance(1000)
      const media = yield* Fiber.join(fiber)
      expect(media).toMatchObject({ mediaId: second, size: 2 * MiB })
      // At 10 s both 1 MiB APPENDs time out: the pace comes down to 1 × 512 KiB, X has nothing of
      // the first media, so a second INIT at 10 s, then 4 segments of 512 KiB one after another.
      expect(events.map((e) => e._tag).filter((t) => t === "Initialized" || t === "Adapted")).toEqual([
        "Initialized",
        "Adapted",
        "Initialized"
      ])
      expect(events.find((e) => e._tag === "Adapted")).toMatchObject({ concurrency: 1, chunkSize: 512 * 1024 })
      const appends = server.sent.filter((s) => s.url.endsWith("/append") && s.url.includes(second))
      expect(appends.map((s) => s.params["segment_index"])).toEqual(["0", "1", "2", "3"])
      expect(appends[0]!.at).toBe(10_000)
      expect(server.sent.filter((s) => s.url.endsWith("/append") && s.url.includes(first))).toHaveLength(2)
      const sent = events.filter((e) => e._tag === "SegmentSent")
      expect(sent.map((e) => e._tag === "SegmentSent" && `${e.mediaId}:${e.segmentBytes}`)).toEqual(
        Array.from({ length: 4 }, () => `${second}:${512 * 1024}`)
      )
    }))
})
