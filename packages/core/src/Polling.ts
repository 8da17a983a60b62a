/**
 * Waiting for X to finish processing: a Schedule driven by each answer's `check_after_secs`, bounded
 * by a maximum wait, the media's expiry and a stall detector.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { ProcessingTimeout } from "./Errors.ts"
import type { MediaStatus, Processing, Ready } from "./MediaStatus.ts"

/**
 * How long to wait for processing.
 *
 * @since 0.2.0
 * @category models
 */
export interface PollOptions {
  /** The longest total wait for processing, from the first answer (default 10 minutes). */
  readonly maxWait?: Duration.Input | undefined
  /**
   * How long `progress_percent` may stay the same before the wait ends as stalled (default
   * 5 minutes). Only applies while X reports a percentage.
   */
  readonly stallTimeout?: Duration.Input | undefined
  /** Called with every status seen, the first one included (progress reporting). */
  readonly onStatus?: ((status: MediaStatus) => Effect.Effect<void>) | undefined
}

/**
 * Default longest wait for processing.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxWait = Duration.minutes(10)

/**
 * Default time `progress_percent` may stay unchanged.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultStallTimeout = Duration.minutes(5)

/**
 * The floor used when X gives no `check_after_secs` (or 0): 1 s, doubling up to 30 s.
 *
 * @since 0.2.0
 * @category polling
 */
export const missingHintDelayMillis = (consecutiveMissing: number): number =>
  Math.min(1000 * 2 ** Math.max(0, consecutiveMissing), 30_000)

/**
 * How long to wait before asking about `status` again: X's `check_after_secs` when it gave a
 * positive one, else the backing-off floor. Never 0, so polling never spins.
 *
 * @since 0.2.0
 * @category polling
 */
export const nextDelayMillis = (status: Processing, consecutiveMissing: number): number =>
  status.checkAfterSecs !== undefined && status.checkAfterSecs > 0
    ? Math.ceil(status.checkAfterSecs * 1000)
    : missingHintDelayMillis(consecutiveMissing)

/**
 * The polling Schedule: recurs while the last status is Processing and `canWait(status, delay)`
 * allows the next delay, waiting `delayOf(status)` each time. Its output is the last status, so
 * `Effect.repeat(status, pollSchedule(…))` returns the status at which polling stopped.
 *
 * @since 0.2.0
 * @category polling
 */
export const pollSchedule = (
  delayOf: (status: Processing) => number,
  canWait: (status: Processing, delayMillis: number) => Effect.Effect<boolean>
): Schedule.Schedule<MediaStatus, MediaStatus> =>
  Schedule.forever.pipe(
    Schedule.setInputType<MediaStatus>(),
    Schedule.while(({ input }) => input._tag === "Processing" ? canWait(input, delayOf(input)) : false),
    Schedule.modifyDelay(({ input }) =>
      Effect.succeed(Duration.millis(input._tag === "Processing" ? delayOf(input) : 0))
    ),
    Schedule.passthrough
  )

/**
 * Waits until `initial` becomes Ready, asking with `fetchStatus`. FINALIZE's own hint is honoured
 * before the first STATUS; each later wait follows the previous answer's `check_after_secs`. No
 * request is sent after a terminal state, after the maximum wait, or after the media's expiry.
 *
 * Fails with ProcessingTimeout (carrying the last state) when the maximum wait is reached, when the
 * next check would fall after the media expires, or when progress stalls; with whatever
 * `fetchStatus` fails with otherwise (ProcessingFailed included). Interruption stops it at once.
 *
 * @since 0.2.0
 * @category polling
 */
export const awaitReady = <E>(
  initial: MediaStatus,
  fetchStatus: (previous: Processing) => Effect.Effect<MediaStatus, E>,
  options: PollOptions = {}
): Effect.Effect<Ready, E | ProcessingTimeout> =>
  Effect.gen(function*() {
    const onStatus = options.onStatus ?? (() => Effect.void)
    yield* onStatus(initial)
    if (initial._tag === "Ready") return initial
    const maxWaitMillis = Duration.toMillis(Duration.fromInputUnsafe(options.maxWait ?? defaultMaxWait))
    const stallMillis = Duration.toMillis(Duration.fromInputUnsafe(options.stallTimeout ?? defaultStallTimeout))
    const start = yield* Clock.currentTimeMillis
    const track = {
      last: initial,
      missingHints: 0,
      progress: initial.progressPercent,
      progressSince: start
    }
    const delayOf = (status: Processing) => nextDelayMillis(status, Math.max(0, track.missingHints - 1))
    // `nextCheck`: the delay before a check that would pass the limit (not given when the limit was reached).
    const timeout = (reason: "max-wait" | "stalled" | "expiry", now: number, nextCheck?: number) =>
      new ProcessingTimeout({
        mediaId: track.last.mediaId,
        reason,
        waitedMillis: Math.max(0, Math.round(now - start)),
        maxWaitMillis: Number.isFinite(maxWaitMillis) ? Math.round(maxWaitMillis) : 0,
        lastState: track.last.state,
        ...(track.last.progressPercent === undefined
          ? {}
          : { lastProgressPercent: Math.round(track.last.progressPercent) }),
        ...(nextCheck === undefined || now - start >= maxWaitMillis ? {} : { nextCheckMillis: Math.round(nextCheck) })
      })
    const blocker = (status: Processing, delay: number, now: number): "max-wait" | "expiry" | undefined =>
      now + delay > status.expiresAt.getTime()
        ? "expiry"
        : now - start + delay > maxWaitMillis
        ? "max-wait"
        : undefined
    const observe = (status: MediaStatus) =>
      Effect.gen(function*() {
        yield* onStatus(status)
        if (status._tag === "Ready") return status
        const now = yield* Clock.currentTimeMillis
        track.missingHints = status.checkAfterSecs !== undefined && status.checkAfterSecs > 0
          ? 0
          : track.missingHints + 1
        if (status.progressPercent !== track.progress) {
          track.progress = status.progressPercent
          track.progressSince = now
        }
        track.last = status
        if (status.progressPercent !== undefined && now - track.progressSince >= stallMillis) {
          return yield* timeout("stalled", now)
        }
        return status
      })

    const firstDelay = nextDelayMillis(initial, 0)
    track.missingHints = initial.checkAfterSecs !== undefined && initial.checkAfterSecs > 0 ? 0 : 1
    const firstBlocker = blocker(initial, firstDelay, start)
    if (firstBlocker !== undefined) return yield* timeout(firstBlocker, start, firstDelay)
    yield* Effect.sleep(Duration.millis(firstDelay))

    const schedule = pollSchedule(
      delayOf,
      (status, delay) => Effect.map(Clock.currentTimeMillis, (now) => blocker(status, delay, now) === undefined)
    )
    const last = yield* Effect.suspend(() => fetchStatus(track.last)).pipe(
      Effect.flatMap(observe),
      Effect.repeat(schedule)
    )
    if (last._tag === "Ready") return last
    const now = yield* Clock.currentTimeMillis
    const delay = delayOf(last)
    return yield* timeout(blocker(last, delay, now) ?? "max-wait", now, delay)
  })
