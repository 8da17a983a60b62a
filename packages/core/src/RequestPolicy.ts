/**
 * What happens around each request: a rate budget consumed before sending (effect's persistence
 * RateLimiter), a wait while X's headers say the window is used up, retries of transient failures
 * with exponential backoff and jitter, and waiting out a 429 until X's reset time.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as RateLimiter from "effect/persistence/RateLimiter"
import { RateLimited, type UploadStep, type XRequestError } from "./Errors.ts"
import type { Answer } from "./Exchange.ts"
import { CurrentProgressListener, UploadEvent } from "./Progress.ts"

/** How requests are retried and rate-limited. Every field is optional. */
export interface RetryOptions {
  /** Tries per request, the first included (default 5). 1 turns retries off. */
  readonly maxAttempts?: number | undefined
  /** The first backoff delay (default 500 ms); it doubles per attempt, with jitter. */
  readonly baseDelay?: Duration.Input | undefined
  /** The longest backoff delay (default 20 s). */
  readonly maxDelay?: Duration.Input | undefined
  /**
   * The longest wait for a rate-limit window to reset (default 15 minutes, X's window). A longer
   * wait fails with RateLimited instead.
   */
  readonly maxRateLimitWait?: Duration.Input | undefined
}

/** Requests per 15-minute window and user, per step (shared/x-media-api.md §2.5). */
export const defaultBudget: Readonly<Record<UploadStep, number>> = {
  INIT: 1875,
  APPEND: 1875,
  FINALIZE: 1875,
  STATUS: 1000,
  METADATA: 500
}

/** The rate budget: X's per-user limits by default, other numbers, or `false` for none. */
export type BudgetOptions = false | Partial<Record<UploadStep, number>>

/** A failure worth sending the same request again for: no answer, or a 5xx/408 from X. */
export const isTransient = (error: XRequestError): boolean =>
  error._tag === "NetworkError" || (error._tag === "XApiError" && (error.status >= 500 || error.status === 408))

/** The resolved policy of one client. */
export interface RequestPolicy {
  readonly run: (
    step: UploadStep,
    segmentIndex: number | undefined,
    send: Effect.Effect<Answer, XRequestError>
  ) => Effect.Effect<Answer, XRequestError>
}

const millisOf = (input: Duration.Input | undefined, fallback: number) =>
  input === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * Builds the policy. Uses the RateLimiter in the context when there is one (so a store shared
 * between processes can be plugged in), else one with the in-memory store.
 */
export const makeRequestPolicy = Effect.fnUntraced(function*(
  key: string,
  retry: RetryOptions = {},
  budget: BudgetOptions = {}
) {
  const limiter = yield* Effect.serviceOption(RateLimiter.RateLimiter).pipe(
    Effect.flatMap(Option.match({
      onSome: Effect.succeed,
      onNone: () => RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory))
    }))
  )
  const maxAttempts = Math.max(1, Math.floor(retry.maxAttempts ?? 5))
  const baseDelay = millisOf(retry.baseDelay, 500)
  const maxDelay = millisOf(retry.maxDelay, 20_000)
  const maxRateLimitWait = millisOf(retry.maxRateLimitWait, 15 * 60_000)
  const limits = budget === false ? undefined : { ...defaultBudget, ...budget }
  /** Until when X's headers said a step's window is used up. */
  const exhaustedUntil = new Map<UploadStep, number>()

  const waitFor = (step: UploadStep, until: number, tooLong: () => RateLimited) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const wait = until - now
      if (wait <= 0) return
      if (wait > maxRateLimitWait) return yield* tooLong()
      const listener = yield* CurrentProgressListener
      yield* listener(UploadEvent.RateLimitWait({ step, until: new Date(until) }))
      yield* Effect.sleep(Duration.millis(wait))
    })

  const consumeBudget = (step: UploadStep) =>
    Effect.gen(function*() {
      if (limits === undefined) return
      const result = yield* limiter.consume({
        key: `${key}:${step}`,
        limit: limits[step],
        window: "15 minutes",
        algorithm: "fixed-window",
        onExceeded: "delay"
      }).pipe(Effect.orDie)
      const delay = Duration.toMillis(result.delay)
      if (delay > 0) {
        const now = yield* Clock.currentTimeMillis
        yield* waitFor(step, now + delay, () =>
          new RateLimited({ step, endpoint: key, resetAt: new Date(now + delay), limit: limits[step], remaining: 0 }))
      }
    })

  const observe = (step: UploadStep, answer: Answer) =>
    Option.match(answer.rateLimit, {
      onNone: () => undefined,
      onSome: (info) => {
        if (info.remaining <= 0) exhaustedUntil.set(step, info.resetAt.getTime())
        else exhaustedUntil.delete(step)
      }
    })

  const backoff = (attempt: number) =>
    Effect.map(Random.next, (r) => {
      const ceiling = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1))
      return Math.round(ceiling / 2 + (ceiling / 2) * r)
    })

  const run = (
    step: UploadStep,
    segmentIndex: number | undefined,
    send: Effect.Effect<Answer, XRequestError>
  ): Effect.Effect<Answer, XRequestError> => {
    const attempt = (n: number, rateLimitWaits: number): Effect.Effect<Answer, XRequestError> =>
      Effect.gen(function*() {
        const blocked = exhaustedUntil.get(step)
        if (blocked !== undefined) {
          yield* waitFor(step, blocked, () =>
            new RateLimited({ step, endpoint: key, resetAt: new Date(blocked), remaining: 0 }))
          exhaustedUntil.delete(step)
        }
        yield* consumeBudget(step)
        return yield* send.pipe(Effect.tap((answer) => Effect.sync(() => observe(step, answer))))
      }).pipe(
        Effect.catch((error: XRequestError): Effect.Effect<Answer, XRequestError> => {
          if (error._tag === "RateLimited" && rateLimitWaits < 3) {
            return Effect.gen(function*() {
              const now = yield* Clock.currentTimeMillis
              if (error.resetAt.getTime() - now > maxRateLimitWait) return yield* error
              // One more second: X's reset is in whole seconds.
              yield* waitFor(step, error.resetAt.getTime() + 1000, () => error)
              return yield* attempt(n, rateLimitWaits + 1)
            })
          }
          if (isTransient(error) && n < maxAttempts) {
            return Effect.gen(function*() {
              const delayMillis = yield* backoff(n)
              const listener = yield* CurrentProgressListener
              yield* listener(UploadEvent.Retrying({ step, segmentIndex, attempt: n + 1, delayMillis, reason: error.message }))
              yield* Effect.sleep(Duration.millis(delayMillis))
              return yield* attempt(n + 1, rateLimitWaits)
            })
          }
          return Effect.fail(error)
        })
      )
    return attempt(1, 0)
  }
  const policy: RequestPolicy = { run }
  return policy
})
