import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as Pacing from "../src/internal/Pacing.ts"
import { fromRuns, planSegments, recut } from "../src/SegmentPlan.ts"
import { decodeSession, encodeSession, UploadSession } from "../src/UploadSession.ts"

const MiB = 1024 * 1024

/** Holds `n` turns of `bytes` each, and returns how many were let in at once and a way to free them. */
const hold = (pacing: Pacing.Pacing, sizes: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const gate = yield* Deferred.make<void>()
    let running = 0
    const fibers = yield* Effect.forEach(sizes, (bytes) =>
      pacing.withTurn(bytes, () =>
        Effect.andThen(Effect.sync(() => running++), Deferred.await(gate))).pipe(Effect.forkChild))
    yield* Effect.yieldNow
    yield* Effect.yieldNow
    return {
      running: () =>
        running,
      release: Effect.andThen(Deferred.succeed(gate, undefined), Fiber.joinAll(fibers))
    }
  })

describe("Pacing", () => {
  const make = (concurrency = 4, chunkSize = 4 * MiB, canRecut = true) =>
    Pacing.make({ concurrency, chunkSize, minChunkSize: Pacing.floorChunkBytes, canRecut })

  it.effect("starts at the upload's concurrency and chunk size", () =>
    Effect.gen(function*() {
      const pacing = yield* make()
      const held = yield* hold(pacing, [4 * MiB, 4 * MiB, 4 * MiB, 4 * MiB, 4 * MiB])
      expect(held.running()).toBe(4)
      yield* held.release
      expect(held.running()).toBe(5)
    }))

  it.effect("a timeout halves the window and the chunk size once per round; timeouts from before the change count as the same round", () =>
    Effect.gen(function*() {
      const pacing = yield* make()
      const first = yield* pacing.timedOut(0)
      expect(first).toMatchObject({
        newRound: true,
        pace: { concurrency: 2, chunkSize: 2 * MiB, round: 1, timeoutsInARow: 1 }
      })
      // Three more APPENDs that started in round 0 time out: the same congestion.
      for (let i = 0; i < 3; i++) expect((yield* pacing.timedOut(0)).newRound).toBe(false)
      expect((yield* pacing.current).concurrency).toBe(2)
      const second = yield* pacing.timedOut(1)
      expect(second.pace).toMatchObject({ concurrency: 1, chunkSize: MiB, timeoutsInARow: 2 })
      const third = yield* pacing.timedOut(2)
      expect(third.pace).toMatchObject({ concurrency: 1, chunkSize: 512 * 1024, timeoutsInARow: 3 })
      yield* pacing.timedOut(3)
      // Never below one segment of 256 KiB.
      expect((yield* pacing.timedOut(4)).pace).toMatchObject({
        concurrency: 1,
        chunkSize: Pacing.floorChunkBytes,
        timeoutsInARow: 5
      })
    }))

  it.effect("the bytes in flight come down too: two 4 MiB segments cut before the slow-down go one at a time at 2 × 2 MiB", () =>
    Effect.gen(function*() {
      const pacing = yield* make()
      yield* pacing.timedOut(0)
      const big = yield* hold(pacing, [4 * MiB, 4 * MiB])
      expect(big.running()).toBe(1)
      yield* big.release
      const small = yield* hold(pacing, [2 * MiB, 2 * MiB, 2 * MiB])
      expect(small.running()).toBe(2)
      yield* small.release
    }))

  it.effect("answers grow the window by one per window of answers, up to the upload's concurrency, and reset the timeouts in a row", () =>
    Effect.gen(function*() {
      const pacing = yield* make()
      yield* pacing.timedOut(0)
      yield* pacing.timedOut(1)
      expect(yield* pacing.current).toMatchObject({ concurrency: 1, timeoutsInARow: 2 })
      yield* pacing.answered
      expect(yield* pacing.current).toMatchObject({ concurrency: 2, timeoutsInARow: 0 })
      yield* pacing.answered
      expect((yield* pacing.current).concurrency).toBe(2)
      yield* pacing.answered
      expect((yield* pacing.current).concurrency).toBe(3)
      for (let i = 0; i < 20; i++) yield* pacing.answered
      expect(yield* pacing.current).toMatchObject({ concurrency: 4, chunkSize: MiB })
    }))

  it.effect("a source read once keeps its chunk size; only the window comes down", () =>
    Effect.gen(function*() {
      const pacing = yield* make(4, 4 * MiB, false)
      expect((yield* pacing.timedOut(0)).pace).toMatchObject({ concurrency: 2, chunkSize: 4 * MiB })
    }))

  it.effect("a turn given up while waiting takes nothing from the window", () =>
    Effect.gen(function*() {
      const pacing = yield* make(1)
      const held = yield* hold(pacing, [MiB])
      const waiting = yield* pacing.withTurn(MiB, () => Effect.void).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(waiting)
      yield* held.release
      const next = yield* hold(pacing, [MiB])
      expect(next.running()).toBe(1)
      yield* next.release
    }))
})

describe("segment runs", () => {
  it.effect("recut: the segments from `from` on get the new size; the ones before keep theirs", () =>
    Effect.gen(function*() {
      const plan = yield* planSegments({ totalBytes: 10_000_000 })
      expect(plan.runs).toEqual([{ from: 0, chunkSize: 4 * MiB }])
      const cut = recut(plan, 2, MiB)!
      expect(cut.runs).toEqual([{ from: 0, chunkSize: 4 * MiB }, { from: 2, chunkSize: MiB }])
      // 8 MiB in two segments, then 1,611,392 bytes in 1 MiB segments: 2 of them.
      expect(cut.segmentCount).toBe(4)
      expect(cut.segmentRange(2)).toEqual({ offset: 8 * MiB, length: MiB })
      expect(cut.segmentRange(3)).toEqual({ offset: 9 * MiB, length: 10_000_000 - 9 * MiB })
      const again = recut(cut, 3, 256 * 1024)!
      expect(again.runs).toEqual([{ from: 0, chunkSize: 4 * MiB }, { from: 2, chunkSize: MiB }, {
        from: 3,
        chunkSize: 256 * 1024
      }])
      let end = 0
      for (let i = 0; i < again.segmentCount; i++) {
        const range = again.segmentRange(i)
        expect(range.offset).toBe(end)
        end += range.length
      }
      expect(end).toBe(10_000_000)
      expect(recut(plan, 3, MiB)).toBeUndefined()
    }))

  it("fromRuns refuses runs that do not describe the file", () => {
    expect(fromRuns(10, [{ from: 0, chunkSize: 4 }])?.segmentCount).toBe(3)
    expect(fromRuns(10, [])).toBeUndefined()
    expect(fromRuns(10, [{ from: 1, chunkSize: 4 }])).toBeUndefined()
    expect(fromRuns(10, [{ from: 0, chunkSize: 4 }, { from: 0, chunkSize: 2 }])).toBeUndefined()
    expect(fromRuns(10, [{ from: 0, chunkSize: 4 }, { from: 3, chunkSize: 2 }])).toBeUndefined()
    expect(fromRuns(10, [{ from: 0, chunkSize: 0 }])).toBeUndefined()
  })
})

describe("UploadSession versions", () => {
  const v1 = {
    version: 1,
    mediaId: "1880028106020515840",
    dialect: "v2",
    baseUrl: "https://api.x.com",
    source: "video.mp4",
    fingerprint: "0".repeat(64),
    totalBytes: 10_000_000,
    mediaType: "video/mp4",
    category: "tweet_video",
    chunkSize: 4 * MiB,
    segmentCount: 3,
    segmentsDone: [0],
    expiresAt: "2030-01-01T00:00:00.000Z",
    finalized: false
  }

  it.effect("a version 1 session (one chunk size) is still read: one run", () =>
    Effect.gen(function*() {
      const session = yield* decodeSession(JSON.stringify(v1))
      expect(session.runs).toEqual([{ from: 0, chunkSize: 4 * MiB }])
      expect(session.missingSegments).toEqual([1, 2])
    }))

  it.effect("a version 2 session keeps its runs through JSON", () =>
    Effect.gen(function*() {
      const runs = [{ from: 0, chunkSize: 4 * MiB }, { from: 1, chunkSize: MiB }]
      const session = new UploadSession({
        ...(yield* decodeSession(JSON.stringify(v1))),
        version: 2,
        segmentRuns: runs,
        segmentCount: 7
      })
      const back = yield* decodeSession(encodeSession(session))
      expect(back.version).toBe(2)
      expect(back.runs).toEqual(runs)
      expect(back.missingSegments).toEqual([1, 2, 3, 4, 5, 6])
    }))

  it.effect("a later version is refused rather than misread", () =>
    Effect.gen(function*() {
      const error = yield* decodeSession(JSON.stringify({ ...v1, version: 3 })).pipe(Effect.flip)
      expect(error._tag).toBe("SchemaError")
    }))
})
