import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  chunkAlignment,
  defaultChunkSize,
  maxChunkBytes,
  maxSegments,
  planSegments,
  type SegmentPlan
} from "../src/SegmentPlan.ts"

const MiB = 1_048_576

/** Every segment but the last is chunkSize, the last holds the rest, and they tile the file. */
const expectConsistent = (plan: SegmentPlan, limits: { maxSegments: number; maxChunkBytes: number }) => {
  expect(plan.segmentCount).toBe(Math.ceil(plan.totalBytes / plan.chunkSize))
  expect(plan.segmentCount).toBeLessThanOrEqual(limits.maxSegments)
  expect(plan.chunkSize).toBeLessThanOrEqual(limits.maxChunkBytes)
  const last = plan.segmentRange(plan.segmentCount - 1)
  expect(last.offset + last.length).toBe(plan.totalBytes)
  expect(last.length).toBeGreaterThan(0)
  expect(last.length).toBeLessThanOrEqual(plan.chunkSize)
  if (plan.segmentCount > 1) {
    expect(plan.segmentRange(0)).toEqual({ offset: 0, length: plan.chunkSize })
    const beforeLast = plan.segmentRange(plan.segmentCount - 2)
    expect(beforeLast.length).toBe(plan.chunkSize)
    expect(beforeLast.offset + beforeLast.length).toBe(last.offset)
  }
}

const xLimits = { maxSegments, maxChunkBytes }

describe("SegmentPlan", () => {
  it("has X's limits", () => {
    expect(defaultChunkSize).toBe(4 * MiB)
    expect(maxChunkBytes).toBe(5_242_880)
    expect(maxSegments).toBe(1000)
    expect(chunkAlignment).toBe(1024)
  })

  it.effect("1 byte: one segment of 1 byte", () =>
    Effect.gen(function*() {
      const plan = yield* planSegments({ totalBytes: 1 })
      expect(plan.chunkSize).toBe(defaultChunkSize)
      expect(plan.segmentCount).toBe(1)
      expect(plan.totalBytes).toBe(1)
      expect(plan.segmentRange(0)).toEqual({ offset: 0, length: 1 })
    }))

  it.effect("exactly one chunk: one full segment", () =>
    Effect.gen(function*() {
      const plan = yield* planSegments({ totalBytes: 4 * MiB })
      expect(plan.segmentCount).toBe(1)
      expect(plan.segmentRange(0)).toEqual({ offset: 0, length: 4 * MiB })
    }))

  it.effect("one byte over a chunk: a second segment of 1 byte", () =>
    Effect.gen(function*() {
      const plan = yield* planSegments({ totalBytes: 4 * MiB + 1 })
      expect(plan.segmentCount).toBe(2)
      expect(plan.segmentRange(1)).toEqual({ offset: 4 * MiB, length: 1 })
      expectConsistent(plan, xLimits)
    }))

  it.effect("a 512 MB video: 128 segments of 4 MiB", () =>
    Effect.gen(function*() {
      const plan = yield* planSegments({ totalBytes: 536_870_912 })
      expect(plan.chunkSize).toBe(4 * MiB)
      expect(plan.segmentCount).toBe(128)
    }))

  it.effect("1000 × 4 MiB keeps 4 MiB; one byte more grows the chunk to the next KiB", () =>
    Effect.gen(function*() {
      const exact = yield* planSegments({ totalBytes: 1000 * 4 * MiB })
      expect(exact.chunkSize).toBe(4 * MiB)
      expect(exact.segmentCount).toBe(1000)

      const over = yield* planSegments({ totalBytes: 1000 * 4 * MiB + 1 })
      expect(over.chunkSize).toBe(4 * MiB + 1024)
      expect(over.segmentCount).toBe(1000)
      expectConsistent(over, xLimits)
    }))

  it.effect("grows to stay within 1000 segments, in whole KiB, up to 5 MiB", () =>
    Effect.gen(function*() {
      const totals = [
        4_294_967_296, // 4 GiB
        4_500_000_000,
        5_000_000_000,
        5_242_879_000,
        5_242_880_000 - 1,
        5_242_880_000 // exactly 1000 × 5 MiB
      ]
      for (const totalBytes of totals) {
        const plan = yield* planSegments({ totalBytes })
        expectConsistent(plan, xLimits)
        expect(plan.chunkSize).toBeGreaterThan(defaultChunkSize)
        expect(plan.chunkSize % 1024).toBe(0)
        // The smallest such size: one KiB less would need more than 1000 segments.
        expect(Math.ceil(totalBytes / (plan.chunkSize - 1024))).toBeGreaterThan(1000)
      }
      const fourGiB = yield* planSegments({ totalBytes: 4_294_967_296 })
      expect(fourGiB.chunkSize).toBe(4_295_680)
    }))

  it.effect("random sizes always give a consistent plan", () =>
    Effect.gen(function*() {
      let seed = 7
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
        return seed / 2_147_483_648
      }
      for (let i = 0; i < 500; i++) {
        const totalBytes = 1 + Math.floor(random() * 5_242_880_000)
        const plan = yield* planSegments({ totalBytes })
        expectConsistent(plan, xLimits)
        expect(plan.chunkSize).toBeGreaterThanOrEqual(defaultChunkSize)
      }
    }))

  it.effect("a file larger than 1000 × 5 MiB is MediaTooLarge", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(planSegments({ totalBytes: 5_242_880_001, source: "big.mp4" }))
      expect(error._tag).toBe("MediaTooLarge")
      if (error._tag === "MediaTooLarge") {
        expect(error.source).toBe("big.mp4")
        expect(error.limit).toBe(5_242_880_000)
        expect(error.size).toBe(5_242_880_001)
      }
      // Even with an explicit chunk size.
      const explicit = yield* Effect.flip(planSegments({ totalBytes: 5_242_880_001, chunkSize: maxChunkBytes }))
      expect(explicit._tag).toBe("MediaTooLarge")
    }))

  describe("scaled-down limits", () => {
    const limits = { maxSegments: 10, maxChunkBytes: 100, defaultChunkSize: 40, alignment: 1 }

    it.effect("grows byte by byte with alignment 1", () =>
      Effect.gen(function*() {
        expect((yield* planSegments({ totalBytes: 400, ...limits })).chunkSize).toBe(40)
        const p401 = yield* planSegments({ totalBytes: 401, ...limits })
        expect(p401.chunkSize).toBe(41)
        expect(p401.segmentCount).toBe(10)
        expect(p401.segmentRange(9)).toEqual({ offset: 369, length: 32 })
        const p1000 = yield* planSegments({ totalBytes: 1000, ...limits })
        expect(p1000.chunkSize).toBe(100)
        expect(p1000.segmentCount).toBe(10)
        for (let totalBytes = 1; totalBytes <= 1000; totalBytes++) {
          expectConsistent(yield* planSegments({ totalBytes, ...limits }), limits)
        }
      }))

    it.effect("rounds up to the alignment, capped at the maximum", () =>
      Effect.gen(function*() {
        expect((yield* planSegments({ totalBytes: 401, ...limits, alignment: 8 })).chunkSize).toBe(48)
        expect((yield* planSegments({ totalBytes: 999, ...limits, alignment: 64 })).chunkSize).toBe(100)
      }))

    it.effect("the default defaults to 4 MiB clamped to the maximum", () =>
      Effect.gen(function*() {
        const plan = yield* planSegments({ totalBytes: 50, maxChunkBytes: 100, maxSegments: 10 })
        expect(plan.chunkSize).toBe(100)
      }))

    it.effect("one byte past maxChunkBytes × maxSegments is MediaTooLarge", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(planSegments({ totalBytes: 1001, ...limits }))
        expect(error._tag).toBe("MediaTooLarge")
        expect(error._tag === "MediaTooLarge" && error.limit).toBe(1000)
      }))

    it.effect("an explicit chunk too small for the segment count names the smallest that works", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(planSegments({ totalBytes: 401, chunkSize: 40, ...limits }))
        expect(error._tag).toBe("InvalidOption")
        if (error._tag === "InvalidOption") {
          expect(error.option).toBe("chunkSize")
          expect(error.detail).toContain("11 segments")
          expect(error.detail).toContain("at least 41 bytes")
        }
        expect((yield* planSegments({ totalBytes: 401, chunkSize: 41, ...limits })).segmentCount).toBe(10)
      }))
  })

  describe("explicit chunk size", () => {
    it.effect("is used as given", () =>
      Effect.gen(function*() {
        const plan = yield* planSegments({ totalBytes: 10 * MiB, chunkSize: MiB })
        expect(plan.chunkSize).toBe(MiB)
        expect(plan.segmentCount).toBe(10)
        const max = yield* planSegments({ totalBytes: 10, chunkSize: maxChunkBytes })
        expect(max.chunkSize).toBe(maxChunkBytes)
        const tiny = yield* planSegments({ totalBytes: 1000, chunkSize: 1 })
        expect(tiny.segmentCount).toBe(1000)
      }))

    it.effect("over 5 MiB, under 1, or not whole is InvalidOption", () =>
      Effect.gen(function*() {
        for (const chunkSize of [maxChunkBytes + 1, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          const error = yield* Effect.flip(planSegments({ totalBytes: 100, chunkSize }))
          expect(error._tag).toBe("InvalidOption")
          if (error._tag === "InvalidOption") {
            expect(error.option).toBe("chunkSize")
            expect(error.value).toBe(String(chunkSize))
            expect(error.detail).toContain("5242880")
          }
        }
      }))

    it.effect("too small for 1000 segments is InvalidOption with the minimum", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(planSegments({ totalBytes: 2_000_000_001, chunkSize: MiB }))
        expect(error._tag).toBe("InvalidOption")
        if (error._tag === "InvalidOption") {
          expect(error.detail).toContain("1908 segments")
          expect(error.detail).toContain("at least 2000001 bytes")
        }
      }))
  })

  it.effect("rejects an empty or fractional total, and bad limits", () =>
    Effect.gen(function*() {
      for (const totalBytes of [0, -5, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(planSegments({ totalBytes }))
        expect(error._tag === "InvalidOption" && error.option).toBe("totalBytes")
      }
      const segments = yield* Effect.flip(planSegments({ totalBytes: 1, maxSegments: 0 }))
      expect(segments._tag === "InvalidOption" && segments.option).toBe("maxSegments")
      const chunk = yield* Effect.flip(planSegments({ totalBytes: 1, maxChunkBytes: 0.5 }))
      expect(chunk._tag === "InvalidOption" && chunk.option).toBe("maxChunkBytes")
      const def = yield* Effect.flip(planSegments({ totalBytes: 1, defaultChunkSize: maxChunkBytes + 1 }))
      expect(def._tag === "InvalidOption" && def.option).toBe("defaultChunkSize")
    }))

  it.effect("segmentRange throws on an index outside the plan", () =>
    Effect.gen(function*() {
      const plan = yield* planSegments({ totalBytes: 10 * MiB })
      expect(plan.segmentCount).toBe(3)
      expect(plan.segmentRange(2)).toEqual({ offset: 8 * MiB, length: 2 * MiB })
      for (const bad of [-1, 3, 0.5]) expect(() => plan.segmentRange(bad)).toThrow(RangeError)
    }))
})
