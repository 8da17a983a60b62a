import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { type MediaSource, fromBytes, type OpenedMedia } from "../src/MediaSource.ts"
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
const x = (appendMillis = 0, finalize: (sent: Sent) => unknown = () => ({ data: { id: mediaId, expires_after_secs: 86400 } })) =>
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
      const fiber = yield* upload(source, { chunkSize: chunk, concurrency: 3 }).pipe(Effect.provide(server.layer), Effect.forkChild)
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
