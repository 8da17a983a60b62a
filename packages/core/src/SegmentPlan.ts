/**
 * How a file is cut into APPEND segments: the chunk size, the number of segments, and the byte range
 * of each, within X's limits (at most 1000 segments, `segment_index` 0–999, each at most 5 MB).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { InvalidOption, MediaTooLarge } from "./Errors.ts"

/**
 * The chunk size used when none is asked for: 4 MiB, as X's official samples and xurl use.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultChunkSize = 4_194_304

/**
 * The largest chunk X takes in one APPEND: 5 MB as X counts it (5 MiB, 5,242,880 bytes).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxChunkBytes = 5_242_880

/**
 * The most segments one upload may have: `segment_index` runs from 0 to 999.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxSegments = 1000

/**
 * When the chunk size has to grow past the default, it grows to a multiple of this many bytes
 * (1 KiB), so chunks stay aligned to the block sizes files are read in.
 *
 * @since 0.2.0
 * @category constants
 */
export const chunkAlignment = 1024

/**
 * The byte range of one segment in the file.
 *
 * @since 0.2.0
 * @category models
 */
export interface SegmentRange {
  /** Where the segment starts, in bytes from the start of the file. */
  readonly offset: number
  /** How many bytes the segment has: `chunkSize`, or fewer for the last one. */
  readonly length: number
}

/**
 * How a file of `totalBytes` is cut: every segment is `chunkSize` bytes except the last, which holds
 * the rest (1 to `chunkSize` bytes). `segmentCount` is `ceil(totalBytes / chunkSize)`.
 *
 * @since 0.2.0
 * @category models
 */
export interface SegmentPlan {
  readonly totalBytes: number
  /** The size of the first segments (all of them unless the plan was re-cut: see `runs`). */
  readonly chunkSize: number
  readonly segmentCount: number
  /**
   * The segment sizes as runs: from segment `from` on, segments are `chunkSize` bytes. One run for a
   * plan from {@link planSegments}; an upload over a slow link re-cuts the segments it has not sent
   * yet smaller ({@link recut}), which adds a run.
   */
  readonly runs: ReadonlyArray<SegmentRun>
  /**
   * The byte range of segment `index` (0-based, as `segment_index`). Throws a RangeError for an
   * index that is not an integer in `[0, segmentCount)`: that is a bug in the caller.
   */
  readonly segmentRange: (index: number) => SegmentRange
}

const isPositiveInt = (n: number): boolean => Number.isSafeInteger(n) && n >= 1

/**
 * From segment `from` on, segments are `chunkSize` bytes (the last one of the plan may be shorter).
 *
 * @since 0.2.0
 * @category models
 */
export interface SegmentRun {
  readonly from: number
  readonly chunkSize: number
}

/** A run with the byte offset of its first segment. */
interface PlacedRun extends SegmentRun {
  readonly offset: number
}

/**
 * The plan of `runs` (already checked: the first from segment 0, ascending, each but the last
 * ending inside the file), or undefined when they do not describe `totalBytes`.
 */
const planOfRuns = (totalBytes: number, runs: ReadonlyArray<SegmentRun>): SegmentPlan | undefined => {
  const placed: Array<PlacedRun> = []
  let offset = 0
  for (const [i, run] of runs.entries()) {
    const previous = placed[i - 1]
    if (previous !== undefined) offset = previous.offset + (run.from - previous.from) * previous.chunkSize
    if (
      !isPositiveInt(run.chunkSize) || (i === 0 ? run.from !== 0 : run.from <= (previous?.from ?? 0)) ||
      offset >= totalBytes
    ) {
      return undefined
    }
    placed.push({ ...run, offset })
  }
  const first = placed[0]
  const last = placed[placed.length - 1]
  if (first === undefined || last === undefined) return undefined
  const segmentCount = last.from + Math.ceil((totalBytes - last.offset) / last.chunkSize)
  return {
    totalBytes,
    chunkSize: first.chunkSize,
    segmentCount,
    runs: placed.map(({ chunkSize, from }) => ({ from, chunkSize })),
    segmentRange: (index) => {
      if (!Number.isInteger(index) || index < 0 || index >= segmentCount) {
        throw new RangeError(`segment index ${index} is outside 0..${segmentCount - 1}`)
      }
      let run = first
      for (const candidate of placed) if (candidate.from <= index) run = candidate
      const start = run.offset + (index - run.from) * run.chunkSize
      return { offset: start, length: Math.min(run.chunkSize, totalBytes - start) }
    }
  }
}

const makePlan = (totalBytes: number, chunkSize: number): SegmentPlan => {
  const plan = planOfRuns(totalBytes, [{ from: 0, chunkSize }])
  // planSegments checked both numbers: one run from segment 0 always describes the file.
  if (plan === undefined) throw new RangeError(`no plan for ${totalBytes} bytes in chunks of ${chunkSize}`)
  return plan
}

/**
 * The plan with the segments from `from` on cut to `chunkSize` bytes instead (the ones before keep
 * their sizes). Used for segments not sent yet, so what X has stays as it was. Undefined when
 * `from` is not a segment of the plan.
 *
 * @since 0.2.0
 * @category constructors
 */
export const recut = (plan: SegmentPlan, from: number, chunkSize: number): SegmentPlan | undefined =>
  from < 0 || from >= plan.segmentCount
    ? undefined
    : planOfRuns(plan.totalBytes, [...plan.runs.filter((run) => run.from < from), { from, chunkSize }])

/**
 * The plan that `runs` describe for a file of `totalBytes` (as an upload session records them), or
 * undefined when they do not describe it (no run from segment 0, runs out of order, a run starting
 * past the end of the file, a size that is not a whole number of at least 1).
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromRuns = (totalBytes: number, runs: ReadonlyArray<SegmentRun>): SegmentPlan | undefined =>
  isPositiveInt(totalBytes) ? planOfRuns(totalBytes, runs) : undefined

const invalid = (option: string, value: number, detail: string) =>
  Effect.fail(new InvalidOption({ option, value: String(value), detail }))

/**
 * Plans the segments of an upload of `totalBytes` bytes.
 *
 * Without `chunkSize`, the chunk is `defaultChunkSize` (4 MiB, never more than `maxChunkBytes`),
 * raised when the file would need more than `maxSegments` segments to the smallest multiple of
 * `alignment` (1 KiB) that fits them, and capped at `maxChunkBytes`. A 4 GiB file
 * (4,294,967,296 bytes) needs chunks of at least 4,294,968 bytes to fit in 1000 segments: it gets
 * 4,295,680-byte (4195 KiB) chunks and 1000 segments. Files up to 4,194,304,000 bytes (1000 × 4 MiB)
 * keep the 4 MiB default.
 *
 * With `chunkSize`, that size is used as it is, and must be a whole number from 1 to
 * `maxChunkBytes` that needs no more than `maxSegments` segments.
 *
 * The limits (`maxChunkBytes` 5 MiB, `maxSegments` 1000, `defaultChunkSize` 4 MiB, `alignment`
 * 1 KiB) can be lowered for tests and emulators.
 *
 * Fails with:
 * - `InvalidOption` for a `totalBytes` that is not a positive whole number, a limit that is not a
 *   positive whole number, an explicit `chunkSize` that is not a whole number, below 1 or over
 *   `maxChunkBytes`, or one that needs more than `maxSegments` segments (the error says the
 *   smallest chunk size that works);
 * - `MediaTooLarge` when the file is larger than `maxChunkBytes × maxSegments`, which no chunk
 *   size can upload. `source` and `category` name the media in that error.
 *
 * @since 0.2.0
 * @category constructors
 */
export const planSegments = (options: {
  readonly totalBytes: number
  readonly chunkSize?: number | undefined
  readonly maxChunkBytes?: number | undefined
  readonly maxSegments?: number | undefined
  readonly defaultChunkSize?: number | undefined
  readonly alignment?: number | undefined
  readonly source?: string | undefined
  readonly category?: string | undefined
}): Effect.Effect<SegmentPlan, InvalidOption | MediaTooLarge> => {
  const { chunkSize, totalBytes } = options
  const maxChunk = options.maxChunkBytes ?? maxChunkBytes
  const segmentsLimit = options.maxSegments ?? maxSegments
  const alignment = options.alignment ?? chunkAlignment
  if (!isPositiveInt(totalBytes)) {
    return invalid("totalBytes", totalBytes, "the size of the media must be a whole number of bytes, at least 1")
  }
  if (!isPositiveInt(maxChunk)) return invalid("maxChunkBytes", maxChunk, "must be a whole number, at least 1")
  if (!isPositiveInt(segmentsLimit)) return invalid("maxSegments", segmentsLimit, "must be a whole number, at least 1")
  if (!isPositiveInt(alignment)) return invalid("alignment", alignment, "must be a whole number, at least 1")
  const defaultChunk = options.defaultChunkSize ?? Math.min(defaultChunkSize, maxChunk)
  if (!isPositiveInt(defaultChunk) || defaultChunk > maxChunk) {
    return invalid("defaultChunkSize", defaultChunk, `must be a whole number from 1 to ${maxChunk}`)
  }

  const capacity = maxChunk * segmentsLimit
  if (totalBytes > capacity) {
    return Effect.fail(
      new MediaTooLarge({
        source: options.source ?? "the media",
        size: totalBytes,
        limit: capacity,
        category: options.category ?? `a chunked upload (${segmentsLimit} segments of at most ${maxChunk} bytes)`
      })
    )
  }
  const smallest = Math.ceil(totalBytes / segmentsLimit)

  if (chunkSize !== undefined) {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > maxChunk) {
      return invalid("chunkSize", chunkSize, `the chunk size must be a whole number of bytes from 1 to ${maxChunk}`)
    }
    if (chunkSize < smallest) {
      return invalid(
        "chunkSize",
        chunkSize,
        `${totalBytes} bytes in chunks of ${chunkSize} need ${
          Math.ceil(totalBytes / chunkSize)
        } segments, more than the ${segmentsLimit} allowed; use a chunk size of at least ${smallest} bytes, or leave it out to have one chosen`
      )
    }
    return Effect.succeed(makePlan(totalBytes, chunkSize))
  }

  if (smallest <= defaultChunk) return Effect.succeed(makePlan(totalBytes, defaultChunk))
  const aligned = Math.ceil(smallest / alignment) * alignment
  return Effect.succeed(makePlan(totalBytes, Math.min(aligned, maxChunk)))
}
