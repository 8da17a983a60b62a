/**
 * What happens around each request to X: its turn in the rate budget before it starts, and after a
 * failure, a retry on a Schedule. Transient failures (no answer, 5xx, 408) are retried with
 * exponential backoff and jitter up to a number of attempts; a 429 is waited out until X's reset
 * (up to a maximum wait); a `Retry-After` on 429 or 503 is the earliest time any request of the
 * same endpoint group starts again, from any fiber.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import { type UploadStep, withAttempts, type XRequestError } from "../Errors.ts"
import { UploadEvent } from "../Progress.ts"
import type { Key, RateBudgetShape } from "../RateBudget.ts"
import type { Answer } from "./Exchange.ts"
import { report } from "./ProgressChannel.ts"

/** How requests are retried and rate limits waited out. Every field is optional. */
export interface RetryOptions {
  /** Tries per request, the first included (default 5). 1 turns retries off. */
  readonly maxAttempts?: number | undefined
  /** The first backoff delay (default 500 ms); it doubles per attempt, with jitter. */
  readonly baseDelay?: Duration.Input | undefined
  /** The longest backoff delay (default 20 s). */
  readonly maxDelay?: Duration.Input | undefined
  /**
   * The longest wait for a rate-limit window to reset or a pause X asked for to end (default
   * 15 minutes, X's window). A longer wait fails with RateLimited instead.
   */
  readonly maxRateLimitWait?: Duration.Input | undefined
}

/** How many 429s one request waits out before it gives up with RateLimited. */
const maxRateLimitWaits = 3

/** X's reset header is in whole seconds: a wait for it ends one second later. */
const resetSlackMillis = 1000

/**
 * A failure worth sending the same request again for at once (after a backoff): no answer (a
 * refused or dropped connection), or a 5xx/408 from X. Not an idle timeout: the request already
 * waited the idle time without progress, and a silent server or a dead link would make each retry
 * wait as long again (5 attempts would be 5 idle times).
 */
export const isTransient = (error: XRequestError): boolean =>
  (error._tag === "NetworkError" && !error.timedOut) ||
  (error._tag === "XApiError" && (error.status >= 500 || error.status === 408))

/** One request, as the policy sees it. */
export interface PolicyRequest {
  readonly step: UploadStep
  readonly endpoint: string
  readonly segmentIndex?: number | undefined
  /** The budget key: the user and the endpoint group. */
  readonly key: Key
  /** The client-side limit of the group per 15 minutes (`Infinity`: none). */
  readonly limit: number
  /** False: never sent again after a failure that may have reached X (only 429s are waited out). */
  readonly idempotent?: boolean | undefined
  /** The longest this request waits for its rate limit; the policy's `maxRateLimitWait` when absent. */
  readonly maxRateLimitWait?: Duration.Duration | undefined
}

/** The resolved policy of one client. */
export interface RequestPolicy {
  readonly maxAttempts: number
  /**
   * Runs `send` (one request) under the policy. Fails with the last error, carrying the number of
   * times the request was sent (`attempts`).
   */
  readonly run: (
    request: PolicyRequest,
    send: Effect.Effect<Answer, XRequestError>
  ) => Effect.Effect<Answer, XRequestError>
}

const millisOf = (input: Duration.Input | undefined, fallback: number) =>
  input === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(input))

/** The time X gave for trying again after this failure, if it gave one. */
const pauseOf = (error: XRequestError): number | undefined => {
  // A usage cap is not a pause: holding the endpoint group for an estimated window would not end it.
  if (error._tag === "RateLimited" && error.usageCapped === true) return undefined
  if (error._tag === "RateLimited") {
    // resetAt is X's x-rate-limit-reset (whole seconds: one more for slack), else the Retry-After
    // itself, else a default minute. A Retry-After is the time to wait unless the window is used
    // up too (x-rate-limit-remaining 0): then the later of the two. X sends its window's headers
    // on every answer, so a 429 with a Retry-After and requests left in the window (a burst
    // limit) waits for the Retry-After, not for the window's reset 15 minutes away.
    const retryAfter = error.retryAfter?.getTime()
    const windowSpent = error.limit !== undefined && (error.remaining === undefined || error.remaining <= 0)
    const reset = retryAfter === undefined || windowSpent ? error.resetAt.getTime() + resetSlackMillis : 0
    return Math.max(reset, retryAfter ?? 0)
  }
  if (error._tag === "XApiError" && error.retryAfter !== undefined) return error.retryAfter.getTime()
  return undefined
}

/** Builds the policy on a rate budget. */
export const make = (retry: RetryOptions, budget: RateBudgetShape): RequestPolicy => {
  const maxAttempts = Math.max(1, Math.floor(retry.maxAttempts ?? 5))
  const baseDelay = millisOf(retry.baseDelay, 500)
  const maxDelay = millisOf(retry.maxDelay, 20_000)
  const maxRateLimitWait = Duration.millis(millisOf(retry.maxRateLimitWait, 15 * 60_000))

  const run = (
    request: PolicyRequest,
    send: Effect.Effect<Answer, XRequestError>
  ): Effect.Effect<Answer, XRequestError> =>
    Effect.gen(function*() {
      const { key, step, segmentIndex } = request
      const maxWait = request.maxRateLimitWait ?? maxRateLimitWait
      // The attempt's span and its annotations only while tracing is on (internal/Tracing).
      const tracing = yield* References.TracerEnabled
      const counts = yield* Ref.make({ sent: 0, transientFailures: 0, rateLimitWaits: 0, budgetRefused: false })

      const onWait = (until: Date) =>
        Effect.gen(function*() {
          yield* report(UploadEvent.RateLimitWait({ step, until }))
          yield* Effect.logDebug(`x-media: ${key.group} waits for its rate limit until ${until.toISOString()}`)
        })

      // X's word after each answer: the window's headers, a 429's reset, a Retry-After.
      const observed = send.pipe(
        Effect.tap((answer) =>
          Option.match(answer.rateLimit, { onNone: () => Effect.void, onSome: (info) => budget.observe(key, info) })
        ),
        Effect.tapError((error) => {
          const until = pauseOf(error)
          const info = error._tag === "XApiError" ? error.rateLimit : undefined
          return Effect.andThen(
            info === undefined ? Effect.void : budget.observe(key, info),
            until === undefined ? Effect.void : budget.pauseUntil(key, new Date(until))
          )
        })
      )

      // One attempt is one span (with its number and the status X answered) under the request's.
      const attempt = Effect.gen(function*() {
        yield* budget.acquire(key, {
          limit: request.limit,
          maxWait,
          onWait,
          step,
          endpoint: request.endpoint
        }).pipe(Effect.tapError(() => Ref.update(counts, (c) => ({ ...c, budgetRefused: true }))))
        const { sent } = yield* Ref.updateAndGet(counts, (c) => ({ ...c, sent: c.sent + 1 }))
        if (!tracing) return yield* observed
        return yield* observed.pipe(
          Effect.tap((answer) => Effect.annotateCurrentSpan("http.response.status_code", answer.status)),
          Effect.tapError((error) =>
            "status" in error ? Effect.annotateCurrentSpan("http.response.status_code", error.status) : Effect.void
          ),
          Effect.withSpan("x-media/XClient.attempt", { attributes: { "x-media.step": step, "x-media.attempt": sent } })
        )
      })

      /** Whether to try again: a transient failure within the attempts, or a 429 that can be waited out. */
      const again = (error: XRequestError) =>
        Effect.gen(function*() {
          if (error._tag === "RateLimited") {
            const now = yield* Clock.currentTimeMillis
            const c = yield* Ref.get(counts)
            // The budget's own RateLimited means its wait is too long: no retry would be sooner.
            // Not a usage cap (not retryable: the plan's, not a window's, so no wait ends it).
            const waitable = error.isRetryable && !c.budgetRefused && c.rateLimitWaits < maxRateLimitWaits &&
              (pauseOf(error) ?? error.resetAt.getTime()) - now <= Duration.toMillis(maxWait)
            if (waitable) yield* Ref.update(counts, (c) => ({ ...c, rateLimitWaits: c.rateLimitWaits + 1 }))
            return waitable
          }
          if (!isTransient(error) || request.idempotent === false) return false
          // A pause X asked for (503 with Retry-After) is a wait like a rate limit's, under the same bound.
          const until = pauseOf(error)
          if (until !== undefined && until - (yield* Clock.currentTimeMillis) > Duration.toMillis(maxWait)) return false
          const c = yield* Ref.updateAndGet(counts, (c) => ({ ...c, transientFailures: c.transientFailures + 1 }))
          return c.transientFailures < maxAttempts
        })

      /**
       * The delay before the next attempt: none after a 429 (the budget holds the next attempt until
       * the pause X gave), else exponential backoff capped at `maxDelay` with "equal jitter" (between
       * half the delay and all of it: spread out, yet never longer than the un-jittered delay), and
       * never before a `Retry-After`.
       */
      const delayFor = (error: XRequestError, backoff: Duration.Duration) =>
        Effect.gen(function*() {
          if (error._tag === "RateLimited") return Duration.zero
          const ceiling = Math.min(maxDelay, Duration.toMillis(backoff))
          const jittered = Math.round(ceiling / 2 + (ceiling / 2) * (yield* Random.next))
          const now = yield* Clock.currentTimeMillis
          const until = pauseOf(error)
          return Duration.millis(until === undefined ? jittered : Math.max(jittered, until - now))
        })

      const schedule = Schedule.exponential(Duration.millis(baseDelay)).pipe(
        Schedule.setInputType<XRequestError>(),
        Schedule.while(({ input }) => again(input)),
        Schedule.modifyDelay(({ duration, input }) => delayFor(input, duration)),
        Schedule.tap(({ duration, input }) =>
          input._tag === "RateLimited" ? Effect.void : Effect.gen(function*() {
            const c = yield* Ref.get(counts)
            const delayMillis = Duration.toMillis(duration)
            const event = UploadEvent.Retrying({
              step,
              segmentIndex,
              attempt: c.transientFailures + 1,
              maxAttempts,
              delayMillis,
              reason: input.message
            })
            yield* report(event)
            yield* Effect.logDebug(
              `x-media: retrying ${step}${
                segmentIndex === undefined ? "" : ` of segment ${segmentIndex}`
              } in ${delayMillis} ms ` +
                `(attempt ${event.attempt} of ${maxAttempts}): ${input.message}`
            )
          })
        )
      )

      const retried = Effect.retry(attempt, schedule)
      const counted = tracing
        ? Effect.ensuring(
          retried,
          Effect.flatMap(Ref.get(counts), (c) => Effect.annotateCurrentSpan("x-media.attempts", c.sent))
        )
        : retried
      return yield* Effect.catch(counted, (error: XRequestError) =>
        Effect.flatMap(Ref.get(counts), (c) =>
          Effect.fail(c.sent === 0 ? error : withAttempts(error, c.sent))))
    })

  return { maxAttempts, run }
}
