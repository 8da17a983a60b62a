/**
 * How much an upload keeps in flight: the number of APPENDs and the bytes they carry, and how large
 * the segments it has not cut yet are. All start at what the upload was given and come down when
 * segments time out, in the way of TCP's congestion control (additive increase, multiplicative
 * decrease).
 *
 * Why the upload adapts, not only the request: the kernel takes megabytes of each connection into
 * its socket buffers, so several 4 MiB APPENDs sharing a slow link all look sent at once, and none
 * is answered before the link has carried all of them. An idle timeout then fires on all of them,
 * and sending the same again fails the same way. Fewer bytes in flight are answered sooner.
 *
 * - The window is `concurrency` APPENDs of at most `concurrency × chunkSize` bytes together (an
 *   APPEND alone always fits, however large: a segment cut before a slow-down keeps its size).
 * - A timeout of an APPEND that started under the current pace halves the number of segments
 *   (down to 1) and the size of segments not cut yet (down to the floor), so the bytes allowed in
 *   flight fall to a quarter: on a link slow enough to time out, halving the bytes alone was seen
 *   to time out again. Timeouts of APPENDs that started before that change are the same
 *   congestion and change nothing more. The pacing hears of each APPEND before its turn is given
 *   back, so the next one starts under the new pace.
 * - Every answered APPEND counts towards the next step up: once as many were answered as the window
 *   holds, it grows by one segment, up to the upload's concurrency. The chunk size does not grow
 *   back: on a link that was slow once, small segments cost little.
 * - Timed-out rounds in a row (without an answered APPEND in between) are counted: the upload gives
 *   up after {@link maxTimeoutsInARow}.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"

/**
 * The smallest chunk a slow link makes the upload cut: 256 KiB (X's APPEND takes any size up to
 * the maximum; much smaller segments would spend the link on request overhead and run into the
 * 1000-segment limit on large files).
 */
export const floorChunkBytes = 256 * 1024

/** How many timed-out rounds in a row an upload takes before it gives up. */
export const maxTimeoutsInARow = 3

/** What the upload does now. */
export interface Pace {
  /** APPENDs allowed in flight at once; with `chunkSize`, also the bytes allowed in flight. */
  readonly concurrency: number
  /** The size of segments not cut yet. */
  readonly chunkSize: number
  /** Bumped at every slow-down: an APPEND remembers the round it started in. */
  readonly round: number
  /** Timed-out rounds since the last answered APPEND. */
  readonly timeoutsInARow: number
  /** Answered APPENDs since the last change of the window. */
  readonly answeredSinceChange: number
}

/** What a timeout led to. */
export interface Slowdown {
  /** The pace after the timeout. */
  readonly pace: Pace
  /**
   * True when the timeout opened a new round (the pace came down, or stayed at its minimum); false
   * when the APPEND had started before the last slow-down: the same congestion, nothing changed.
   */
  readonly newRound: boolean
}

/** The pacing of one upload. */
export interface Pacing {
  readonly current: Effect.Effect<Pace>
  /**
   * Runs `send` (an APPEND of `bytes`) once the window has room for it, giving it the round it
   * starts in. Interruptible while it waits.
   */
  readonly withTurn: <A, E, R>(bytes: number, send: (round: number) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** An APPEND that started in `round` timed out. */
  readonly timedOut: (round: number) => Effect.Effect<Slowdown>
  /** An APPEND was answered. */
  readonly answered: Effect.Effect<void>
}

interface State {
  readonly pace: Pace
  readonly inFlight: number
  readonly bytesInFlight: number
  /** Completed (and replaced) whenever room may have opened: waiters look again. */
  readonly changed: Deferred.Deferred<void>
}

const halve = (n: number, floor: number, alignment: number): number =>
  Math.max(floor, Math.min(n, Math.floor(n / 2 / alignment) * alignment))

/** Whether an APPEND of `bytes` may start now (never once the upload is giving up). */
const fits = (state: State, bytes: number): boolean =>
  state.pace.timeoutsInARow < maxTimeoutsInARow &&
  (state.inFlight === 0 ||
    (state.inFlight < state.pace.concurrency &&
      state.bytesInFlight + bytes <= state.pace.concurrency * state.pace.chunkSize))

/**
 * The pacing of an upload of `concurrency` APPENDs at most and segments of `chunkSize` bytes.
 * `minChunkSize` is the smallest chunk it may cut (the larger of {@link floorChunkBytes} and what
 * keeps the upload within X's segment limit); with `canRecut` false (a source read once, in
 * order), the chunk size stays.
 */
export const make = (options: {
  readonly concurrency: number
  readonly chunkSize: number
  readonly minChunkSize: number
  readonly canRecut: boolean
}): Effect.Effect<Pacing> =>
  Effect.gen(function*() {
    const floor = options.canRecut ? Math.min(options.chunkSize, options.minChunkSize) : options.chunkSize
    const state = yield* Ref.make<State>({
      pace: {
        concurrency: options.concurrency,
        chunkSize: options.chunkSize,
        round: 0,
        timeoutsInARow: 0,
        answeredSinceChange: 0
      },
      inFlight: 0,
      bytesInFlight: 0,
      changed: Deferred.makeUnsafe()
    })

    /** Applies `f` and wakes the waiters, who look again. */
    const update = <A>(f: (state: State) => readonly [A, State]) =>
      Effect.flatMap(
        Ref.modify(state, (current) => {
          const [result, next] = f(current)
          return [[result, current.changed] as const, { ...next, changed: Deferred.makeUnsafe<void>() }]
        }),
        ([result, changed]) => Effect.as(Deferred.succeed(changed, undefined), result)
      )

    const withTurn = <A, E, R>(bytes: number, send: (round: number) => Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          for (;;) {
            const turn = yield* Ref.modify(state, (current): readonly [number | Deferred.Deferred<void>, State] =>
              fits(current, bytes)
                ? [current.pace.round, {
                  ...current,
                  inFlight: current.inFlight + 1,
                  bytesInFlight: current.bytesInFlight + bytes
                }]
                : [current.changed, current])
            if (typeof turn === "number") {
              const release = update((current) => [undefined, {
                ...current,
                inFlight: current.inFlight - 1,
                bytesInFlight: current.bytesInFlight - bytes
              }])
              return yield* restore(send(turn)).pipe(Effect.ensuring(release))
            }
            yield* restore(Deferred.await(turn))
          }
        })
      )

    const timedOut = (round: number) =>
      update((current): readonly [Slowdown, State] => {
        const pace = current.pace
        if (round !== pace.round) return [{ pace, newRound: false }, current]
        const next: Pace = {
          concurrency: Math.max(1, Math.floor(pace.concurrency / 2)),
          chunkSize: halve(pace.chunkSize, floor, 1024),
          round: pace.round + 1,
          timeoutsInARow: pace.timeoutsInARow + 1,
          answeredSinceChange: 0
        }
        return [{ pace: next, newRound: true }, { ...current, pace: next }]
      })

    const answered = update((current): readonly [void, State] => {
      const pace = current.pace
      const counted = { ...pace, timeoutsInARow: 0, answeredSinceChange: pace.answeredSinceChange + 1 }
      const grows = counted.answeredSinceChange >= pace.concurrency && pace.concurrency < options.concurrency
      const next = grows ? { ...counted, concurrency: pace.concurrency + 1, answeredSinceChange: 0 } : counted
      return [undefined, { ...current, pace: next }]
    })

    return {
      current: Effect.map(Ref.get(state), (current) => current.pace),
      withTurn,
      timedOut,
      answered
    }
  })
