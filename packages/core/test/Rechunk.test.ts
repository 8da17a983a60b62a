import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Stream } from "effect"
import { rechunk } from "../src/internal/Rechunk.ts"

/** A deterministic PRNG (mulberry32), so failures reproduce. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const randomBytes = (random: () => number, n: number): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256)
  return out
}

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** Cuts `data` into pieces of random sizes: empty ones, small ones, and ones spanning many chunks. */
const split = (random: () => number, data: Uint8Array, chunkSize: number): Array<Uint8Array> => {
  const pieces: Array<Uint8Array> = []
  let at = 0
  while (at < data.length) {
    const kind = random()
    const size = kind < 0.15
      ? 0
      : kind < 0.6
      ? 1 + Math.floor(random() * chunkSize)
      : kind < 0.75
      ? chunkSize
      : kind < 0.9
      ? Math.floor(random() * 3 * chunkSize)
      : Math.floor(random() * 10 * chunkSize)
    const end = Math.min(data.length, at + size)
    // Half of the pieces are views into a larger buffer, as Node hands out pooled Buffers.
    pieces.push(random() < 0.5 ? data.slice(at, end) : data.subarray(at, end))
    at = end
    if (random() < 0.05) pieces.push(new Uint8Array(0))
  }
  if (random() < 0.3) pieces.push(new Uint8Array(0))
  return pieces
}

/** Groups pieces into upstream batches of random lengths (a Stream emits arrays of elements). */
const batches = (random: () => number, pieces: ReadonlyArray<Uint8Array>): Array<Array<Uint8Array>> => {
  const out: Array<Array<Uint8Array>> = []
  let at = 0
  while (at < pieces.length) {
    const n = 1 + Math.floor(random() * (random() < 0.7 ? 2 : 8))
    out.push(pieces.slice(at, at + n))
    at += n
  }
  return out
}

const expectExactChunks = (chunks: ReadonlyArray<Uint8Array>, data: Uint8Array, chunkSize: number) => {
  expect(chunks.length).toBe(Math.ceil(data.length / chunkSize))
  for (let i = 0; i < chunks.length - 1; i++) {
    if (chunks[i]!.byteLength !== chunkSize) {
      throw new Error(`chunk ${i} has ${chunks[i]!.byteLength} bytes, not ${chunkSize}`)
    }
  }
  const last = chunks.at(-1)
  if (last !== undefined) {
    expect(last.byteLength).toBeGreaterThan(0)
    expect(last.byteLength).toBe(data.length - (chunks.length - 1) * chunkSize)
  }
  expect(Buffer.from(concat(chunks)).equals(Buffer.from(data))).toBe(true)
}

describe("rechunk", () => {
  it.effect("gives exact chunks and the same bytes for many random splittings", () =>
    Effect.gen(function*() {
      const random = prng(20_260_101)
      for (let run = 0; run < 400; run++) {
        const chunkSize = 1 + Math.floor(random() * (random() < 0.2 ? 8 : 700))
        const total = random() < 0.05 ? 0 : Math.floor(random() * 20 * chunkSize)
        const data = randomBytes(random, total)
        const pieces = split(random, data, chunkSize)
        const stream = Stream.fromArrays(...batches(random, pieces))
        const chunks = yield* Stream.runCollect(rechunk(stream, chunkSize))
        expectExactChunks(chunks, data, chunkSize)
      }
    }))

  it.effect("works with one piece per pull and with everything in one batch", () =>
    Effect.gen(function*() {
      const random = prng(99)
      for (let run = 0; run < 100; run++) {
        const chunkSize = 1 + Math.floor(random() * 300)
        const data = randomBytes(random, Math.floor(random() * 5000))
        const pieces = split(random, data, chunkSize)
        const onePerPull = yield* Stream.runCollect(
          Stream.fromIterable(pieces).pipe(Stream.rechunk(1), rechunk(chunkSize))
        )
        expectExactChunks(onePerPull, data, chunkSize)
        const oneBatch = yield* Stream.runCollect(Stream.fromArray(pieces).pipe(rechunk(chunkSize)))
        expectExactChunks(oneBatch, data, chunkSize)
      }
    }))

  it.effect("handles a few MiB with a 4 MiB-like ratio of piece to chunk", () =>
    Effect.gen(function*() {
      const random = prng(5)
      const data = randomBytes(random, 3 * 1_048_576 + 12_345)
      const pieces = split(random, data, 65_536)
      const chunks = yield* Stream.runCollect(Stream.fromIterable(pieces).pipe(rechunk(262_144)))
      expectExactChunks(chunks, data, 262_144)
    }))

  it.effect("an empty stream, or only empty pieces, gives nothing", () =>
    Effect.gen(function*() {
      expect(yield* Stream.runCollect(Stream.empty.pipe(rechunk(4)))).toEqual([])
      const empties = Stream.make(new Uint8Array(0), new Uint8Array(0))
      expect(yield* Stream.runCollect(empties.pipe(rechunk(4)))).toEqual([])
    }))

  it.effect("passes aligned whole chunks on without copying", () =>
    Effect.gen(function*() {
      const a = new Uint8Array([1, 2, 3, 4])
      const big = new Uint8Array([5, 6, 7, 8, 9, 10, 11, 12, 13])
      const chunks = yield* Stream.runCollect(Stream.make(a, big).pipe(rechunk(4)))
      expect(chunks.map((c) => [...c])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13]])
      expect(chunks[0]).toBe(a)
      expect(chunks[1]!.buffer).toBe(big.buffer)
      expect(chunks[2]!.buffer).toBe(big.buffer)
    }))

  it.effect("copies only bytes that straddle a boundary, into one buffer per chunk", () =>
    Effect.gen(function*() {
      const pieces = [new Uint8Array([1, 2]), new Uint8Array([3, 4, 5, 6, 7, 8]), new Uint8Array([9])]
      const chunks = yield* Stream.runCollect(Stream.fromArray(pieces).pipe(rechunk(4)))
      expect(chunks.map((c) => [...c])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
      // [1, 2] + [3, 4] straddle: copied into a fresh 4-byte buffer.
      expect(chunks[0]!.buffer.byteLength).toBe(4)
      for (const p of pieces) expect(chunks[0]!.buffer).not.toBe(p.buffer)
      // [5, 6, 7, 8] is then aligned inside the second piece: a view, no copy.
      expect(chunks[1]!.buffer).toBe(pieces[1]!.buffer)
      // The tail [9] is copied into the next chunk's buffer, emitted as a view of its filled part.
      expect(chunks[2]!.buffer.byteLength).toBe(4)
      expect(chunks[2]!.buffer).not.toBe(pieces[2]!.buffer)
    }))

  it.effect("is pull-driven: taking 2 chunks of an endless stream ends", () =>
    Effect.gen(function*() {
      let pulled = 0
      const endless = Stream.fromIteratorSucceed(
        (function*() {
          for (;;) {
            pulled++
            yield new Uint8Array(100)
          }
        })(),
        1
      )
      const chunks = yield* Stream.runCollect(endless.pipe(rechunk(250), Stream.take(2)))
      expect(chunks.map((c) => c.byteLength)).toEqual([250, 250])
      expect(pulled).toBeLessThanOrEqual(7)
    }))

  it.effect("an upstream error passes through, and the partial chunk is not emitted", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const failing = Stream.make(new Uint8Array(6)).pipe(Stream.concat(Stream.fail("disk gone" as const)))
      const exit = yield* failing.pipe(
        rechunk(4),
        Stream.runForEach((c) => Effect.sync(() => seen.push(c.byteLength))),
        Effect.exit
      )
      expect(seen).toEqual([4])
      expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBe("disk gone")
    }))

  it.effect("a size per chunk index: segments of several sizes, the same bytes, for random splittings", () =>
    Effect.gen(function*() {
      const random = prng(7)
      const data = randomBytes(random, 10_000)
      // 4096, 4096, then 1024 each: an upload whose later segments were cut smaller.
      const sizeOf = (index: number) => (index < 2 ? 4096 : 1024)
      for (let round = 0; round < 20; round++) {
        const pieces: Array<Uint8Array> = []
        for (let at = 0; at < data.length;) {
          const n = Math.min(data.length - at, Math.floor(random() * 6000))
          pieces.push(data.subarray(at, at + n))
          at += n
        }
        const chunks = yield* Stream.runCollect(Stream.fromIterable(pieces).pipe(rechunk(sizeOf)))
        expect(chunks.map((c) => c.byteLength)).toEqual([4096, 4096, 1024, 784])
        expect(concat(chunks)).toEqual(data)
      }
    }))

  it.effect("each run starts afresh", () =>
    Effect.gen(function*() {
      const stream = Stream.make(new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])).pipe(rechunk(2))
      const first = yield* Stream.runCollect(stream)
      const second = yield* Stream.runCollect(stream)
      expect(first.map((c) => [...c])).toEqual([[1, 2], [3, 4], [5]])
      expect(second.map((c) => [...c])).toEqual([[1, 2], [3, 4], [5]])
    }))

  it.effect("a chunk size that is not a whole number of at least 1 is a defect", () =>
    Effect.gen(function*() {
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        const exit = yield* Effect.exit(Stream.runCollect(Stream.make(new Uint8Array(3)).pipe(rechunk(bad))))
        expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      }
    }))
})
