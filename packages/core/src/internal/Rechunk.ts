/**
 * Re-chunking a byte stream to exact segment sizes. File and network streams hand over pieces of
 * whatever size suits them; APPEND needs every segment but the last to be exactly the chunk size.
 *
 * @internal
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"

/**
 * Turns a stream of byte pieces of any sizes (empty ones included) into a stream of exactly
 * `chunkSize`-byte chunks, except the last, which holds the rest (1 to `chunkSize` bytes). An empty
 * input gives an empty output. The bytes, in order, are the same.
 *
 * Built for the upload hot path:
 * - Each byte is copied at most once. A piece that lines up with a chunk boundary and holds a whole
 *   chunk is passed on without copying (as the piece itself, or a `subarray` view of it when it is
 *   larger than a chunk); only bytes that straddle a boundary are copied, with `Uint8Array.set`,
 *   into a buffer of `chunkSize` bytes allocated once per chunk and filled in place.
 * - It is pull-driven and emits one chunk per pull, so at any time it holds at most one partly
 *   filled chunk and the upstream batch it is working through (usually one piece).
 * - Upstream errors pass through unchanged; the partly filled chunk is dropped then, never emitted
 *   as if it were the last one.
 *
 * The emitted chunks may share memory with the input pieces: upstream must not reuse a buffer after
 * emitting it (file and HTTP streams allocate a fresh one per piece).
 *
 * `chunkSize` may also be a function of the chunk's index (0, 1, 2 …), for segments of several
 * sizes (an upload session whose later segments were cut smaller); it is asked once per chunk.
 *
 * A `chunkSize` that is not a whole number of at least 1 is a bug in the caller: the stream dies
 * with a RangeError. Use `planSegments` to get a valid one.
 */
export const rechunk: {
  (
    chunkSize: number | ((index: number) => number)
  ): <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<Uint8Array, E, R>
  <E, R>(
    self: Stream.Stream<Uint8Array, E, R>,
    chunkSize: number | ((index: number) => number)
  ): Stream.Stream<Uint8Array, E, R>
} = dual(
  2,
  <E, R>(
    self: Stream.Stream<Uint8Array, E, R>,
    size: number | ((index: number) => number)
  ): Stream.Stream<Uint8Array, E, R> => {
    const sizeOf = typeof size === "number" ? () => size : size
    const invalid = (chunkSize: number) =>
      new RangeError(`rechunk: chunk size must be a whole number of at least 1, got ${chunkSize}`)
    if (typeof size === "number" && (!Number.isSafeInteger(size) || size < 1)) return Stream.die(invalid(size))
    return Stream.transformPull(self, (pull) =>
      Effect.sync(() => {
        // Fresh state for every run of the stream.
        let emitted = 0
        let chunkSize = sizeOf(0)
        if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw invalid(chunkSize)
        let batch: ReadonlyArray<Uint8Array> = []
        let batchIndex = 0
        let piece: Uint8Array | undefined
        let pieceOffset = 0
        let buffer: Uint8Array | undefined
        let filled = 0
        let upstreamDone = false

        /** Moves on to the next chunk's size once `out` is emitted. */
        const advance = (out: Uint8Array): Uint8Array => {
          chunkSize = sizeOf(++emitted)
          if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw invalid(chunkSize)
          return out
        }

        /** The next full chunk from the input at hand, or undefined when more input is needed. */
        const nextChunk = (): Uint8Array | undefined => {
          for (;;) {
            if (piece === undefined) {
              if (batchIndex >= batch.length) return undefined
              const candidate = batch[batchIndex++]
              if (candidate === undefined || candidate.byteLength === 0) continue
              piece = candidate
              pieceOffset = 0
            }
            const remaining = piece.byteLength - pieceOffset
            if (buffer === undefined) {
              if (remaining >= chunkSize) {
                // Aligned: pass a whole chunk on without copying.
                const out = remaining === piece.byteLength && remaining === chunkSize
                  ? piece
                  : piece.subarray(pieceOffset, pieceOffset + chunkSize)
                pieceOffset += chunkSize
                if (pieceOffset === piece.byteLength) piece = undefined
                return advance(out)
              }
              buffer = new Uint8Array(chunkSize)
              filled = 0
            }
            const n = Math.min(chunkSize - filled, remaining)
            buffer.set(n === piece.byteLength ? piece : piece.subarray(pieceOffset, pieceOffset + n), filled)
            filled += n
            pieceOffset += n
            if (pieceOffset === piece.byteLength) piece = undefined
            if (filled === chunkSize) {
              const out = buffer
              buffer = undefined
              filled = 0
              return advance(out)
            }
          }
        }

        const pullMore: Effect.Effect<void, E> = pull.pipe(
          Effect.map((arr) => {
            batch = arr
            batchIndex = 0
          }),
          Pull.catchDone(() =>
            Effect.sync(() => {
              upstreamDone = true
            })
          )
        )

        const loop: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array>, E> = Effect.suspend(() => {
          const out = nextChunk()
          if (out !== undefined) return Effect.succeed([out] as const)
          if (!upstreamDone) return Effect.flatMap(pullMore, () => loop)
          if (buffer !== undefined) {
            const last = buffer.subarray(0, filled)
            buffer = undefined
            filled = 0
            return Effect.succeed([last] as const)
          }
          return Cause.done()
        })
        return loop
      }))
  }
)
