/**
 * The rate budget: how many requests of an endpoint group a user may start, and when. `XClient`
 * consults it before every request ({@link RateBudgetShape.acquire}) and informs it after every
 * answer ({@link RateBudgetShape.observe}, {@link RateBudgetShape.pauseUntil}).
 *
 * X counts requests per user and endpoint in 15-minute windows (1,875 INIT, APPEND or FINALIZE,
 * 1,000 STATUS, 500 metadata, 100 subtitles, 100 posts), and answers 429 beyond them. The budget keeps a client from getting
 * there, and after X said 429 or `Retry-After`, keeps every request of that group (from any fiber)
 * from starting before the time X gave.
 *
 * The default, {@link layerMemory}, keeps the state in the process: one XClient (and everything
 * using it) shares it. A fleet of processes uploading for the same users provides its own
 * `RateBudget` layer backed by a shared store (Redis, for example) under the XClient; the interface
 * below is all it has to implement.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { RateLimited, type UploadStep } from "./Errors.ts"
import type { RateLimitInfo } from "./RateLimit.ts"

/**
 * An endpoint group: the requests X counts against one limit. The media groups are
 * `media.initialize`, `media.append`, `media.finalize` (one limit each), `media.status` and
 * `media.metadata`; other modules add theirs (`tweets`, `media.subtitles`, …).
 *
 * @since 0.2.0
 * @category models
 */
export type EndpointGroup = string

/**
 * The endpoint group of each step: the media groups, `media.subtitles` (attaching subtitles;
 * removing them counts against `media.subtitles.delete`) and `posts.create` (`POST /2/tweets`).
 *
 * @since 0.2.0
 * @category constants
 */
export const MediaGroups = {
  INIT: "media.initialize",
  APPEND: "media.append",
  FINALIZE: "media.finalize",
  STATUS: "media.status",
  UPLOAD: "media.upload",
  METADATA: "media.metadata",
  SUBTITLES: "media.subtitles",
  POST: "posts.create"
} as const satisfies Record<UploadStep, EndpointGroup>

/**
 * X's per-user limits per 15-minute window (shared/x-media-api.md §2.5), by endpoint group.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultLimits: Readonly<Record<EndpointGroup, number>> = {
  "media.initialize": 1875,
  "media.append": 1875,
  "media.finalize": 1875,
  "media.status": 1000,
  "media.upload": 500,
  "media.metadata": 500,
  "media.subtitles": 100,
  "media.subtitles.delete": 100,
  "posts.create": 100
}

/**
 * The length of X's rate-limit window.
 *
 * @since 0.2.0
 * @category constants
 */
export const window: Duration.Duration = Duration.minutes(15)

/**
 * What a budget is kept for: one user and one endpoint group.
 *
 * - `user` is a stable identity derived from the credentials that never reveals a secret (see
 *   `XClient.userOf`): the numeric user id of an OAuth 1.0a access token, else a short SHA-256 of
 *   the token. Two processes with the same credentials get the same `user`.
 * - `group` is the {@link EndpointGroup}.
 *
 * A store may join them into one string key, e.g. `${user}:${group}`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Key {
  readonly user: string
  readonly group: EndpointGroup
}

/**
 * How one request asks for its turn.
 *
 * @since 0.2.0
 * @category models
 */
export interface AcquireOptions {
  /**
   * The most requests of this key that may start in any 15-minute span (X's limit for the group,
   * or a lower one of the caller's choosing). `Infinity` turns the client-side count off; pauses
   * and X's headers still apply.
   */
  readonly limit: number
  /**
   * The longest the request may wait for its turn. A longer wait fails at once, without waiting,
   * with `RateLimited` (its `resetAt` the time the turn would come).
   */
  readonly maxWait: Duration.Duration
  /**
   * Called before every wait with the time waited for, so the caller can report it (a progress
   * event, a log line). Implementations must call it before sleeping.
   */
  readonly onWait: (until: Date) => Effect.Effect<void>
  /** The step of the request, for `RateLimited`. */
  readonly step: UploadStep
  /** The endpoint of the request, for `RateLimited`. */
  readonly endpoint: string
}

/**
 * The operations of {@link RateBudget}. All three must be safe to call from many fibers (and, for a
 * shared store, many processes) at once.
 *
 * @since 0.2.0
 * @category models
 */
export interface RateBudgetShape {
  /**
   * Waits until a request of `key` may start, then counts it as started, atomically (two callers
   * never get the same last slot). A request may start when:
   *
   * - no pause set by {@link pauseUntil} for `key` is still running;
   * - X's last headers for `key` did not say the window is used up (`remaining` 0 before `resetAt`);
   * - fewer than `options.limit` requests of `key` started in the last 15 minutes.
   *
   * When it must wait, it calls `options.onWait(until)` and sleeps on effect's `Clock` (so a
   * `TestClock` drives it), then checks again: a pause set meanwhile is honoured. When the wait
   * would exceed `options.maxWait`, it fails at once with `RateLimited` and counts nothing.
   * Interrupting it while it waits counts nothing.
   */
  readonly acquire: (key: Key, options: AcquireOptions) => Effect.Effect<void, RateLimited>
  /**
   * What X's `x-rate-limit-limit`, `-remaining` and `-reset` headers said in an answer to a request
   * of `key`. With `remaining` 0, no request of `key` starts before `resetAt`. Answers may arrive out
   * of order: an older window never replaces a newer one, and within one window the lowest
   * `remaining` wins.
   */
  readonly observe: (key: Key, info: RateLimitInfo) => Effect.Effect<void>
  /**
   * X said when to try again (429 with its reset time, or `Retry-After` on 429/503): no request of
   * `key` starts before `until`, whichever fiber (or process) asks. A later pause extends an
   * earlier one; an earlier one never shortens it.
   */
  readonly pauseUntil: (key: Key, until: Date) => Effect.Effect<void>
}

/**
 * The rate budget an `XClient` consults. When none is provided, each XClient makes its own
 * in-memory one ({@link makeMemory}).
 *
 * @since 0.2.0
 * @category services
 */
export class RateBudget extends Context.Service<RateBudget, RateBudgetShape>()("@x-media/core/RateBudget") {}

/** What the in-memory budget knows of one key. Immutable: every change makes a new one. */
interface KeyState {
  /** Start times of the most recent requests (milliseconds, ascending), at most `limit` of them. */
  readonly started: ReadonlyArray<number>
  /** No request starts before this (0: no pause). */
  readonly pausedUntil: number
  /** X's last word on the window: requests left and when it resets. */
  readonly window: { readonly remaining: number; readonly resetAt: number } | undefined
}

const emptyState: KeyState = { started: [], pausedUntil: 0, window: undefined }

const keyOf = (key: Key): string => `${key.user}\u0000${key.group}`

type Decision =
  | { readonly _tag: "Start" }
  | { readonly _tag: "Wait"; readonly until: number; readonly limited: boolean }

/**
 * Decides whether a request may start at `now`, and the state after it did.
 *
 * The count is a sliding log: the start times of the last `limit` requests. A request may start
 * once the oldest of them is 15 minutes old, so no 15-minute span, wherever it begins, holds more
 * than `limit` starts. A token bucket or a fixed window sized `limit per 15 minutes` admits up to
 * twice that within one span (a full bucket, or the end of one window and the start of the next),
 * and X's own windows are not aligned with ours until its headers say where they end; halving the
 * limit would waste half of it. The log costs one number per request of the last window.
 */
const decide = (state: KeyState, now: number, limit: number): readonly [Decision, KeyState] => {
  const windowMillis = Duration.toMillis(window)
  const xWindow = state.window !== undefined && now < state.window.resetAt ? state.window : undefined
  let until = state.pausedUntil
  let limited = false
  if (xWindow !== undefined && xWindow.remaining <= 0) until = Math.max(until, xWindow.resetAt)
  if (Number.isFinite(limit) && state.started.length >= limit) {
    const oldest = state.started[state.started.length - limit]
    if (oldest !== undefined && oldest + windowMillis > now) {
      if (oldest + windowMillis > until) limited = true
      until = Math.max(until, oldest + windowMillis)
    }
  }
  if (until > now) return [{ _tag: "Wait", until, limited }, state]
  const started = Number.isFinite(limit)
    ? [...state.started.slice(Math.max(0, state.started.length - limit + 1)), now]
    : state.started
  return [
    { _tag: "Start" },
    {
      started,
      pausedUntil: state.pausedUntil,
      window: xWindow === undefined ? undefined : { remaining: xWindow.remaining - 1, resetAt: xWindow.resetAt }
    }
  ]
}

/**
 * An in-memory budget, for one process: the sliding log of {@link decide} per key, X's headers and
 * pauses, all in one `Ref` shared by every fiber.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<RateBudgetShape> = Effect.gen(function*() {
  const states = yield* Ref.make<ReadonlyMap<string, KeyState>>(new Map())

  const update = <A>(key: Key, f: (state: KeyState) => readonly [A, KeyState]) =>
    Ref.modify(states, (map): readonly [A, ReadonlyMap<string, KeyState>] => {
      const id = keyOf(key)
      const [result, next] = f(map.get(id) ?? emptyState)
      const copy = new Map(map)
      copy.set(id, next)
      return [result, copy]
    })

  const acquire = (key: Key, options: AcquireOptions): Effect.Effect<void, RateLimited> =>
    Effect.gen(function*() {
      const maxWait = Duration.toMillis(options.maxWait)
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const decision = yield* update(key, (state) => decide(state, now, options.limit))
        if (decision._tag === "Start") return
        if (decision.until - now > maxWait) {
          return yield* new RateLimited({
            step: options.step,
            endpoint: options.endpoint,
            resetAt: new Date(decision.until),
            ...(decision.limited && Number.isFinite(options.limit) ? { limit: options.limit } : {}),
            remaining: 0
          })
        }
        yield* options.onWait(new Date(decision.until))
        yield* Effect.sleep(Duration.millis(decision.until - now))
      }
    })

  const observe = (key: Key, info: RateLimitInfo): Effect.Effect<void> =>
    update(key, (state) => {
      const resetAt = info.resetAt.getTime()
      const known = state.window
      if (known !== undefined && known.resetAt > resetAt) return [undefined, state]
      const remaining = known !== undefined && known.resetAt === resetAt
        ? Math.min(known.remaining, info.remaining)
        : info.remaining
      return [undefined, { ...state, window: { remaining, resetAt } }]
    })

  const pauseUntil = (key: Key, until: Date): Effect.Effect<void> =>
    update(key, (state) => [undefined, { ...state, pausedUntil: Math.max(state.pausedUntil, until.getTime()) }])

  return RateBudget.of({ acquire, observe, pauseUntil })
})

/**
 * The in-memory budget as a layer. Provide it once above several XClients to share one budget
 * between them in a process.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateBudget> = Layer.effect(RateBudget, makeMemory)
