/**
 * A `RateBudget` shared by every worker of a fleet through Redis: one budget per X user and
 * endpoint group, whichever process sends the request.
 *
 * Three things decide when a request may start, all kept in Redis:
 *
 * - **The pace**: effect's `RateLimiter` (token bucket, Redis store) with a small burst `b` and a
 *   refill of one token every `window / (L − b − 1)`, where `L` is X's limit for the group. A token
 *   bucket admits at most `b + window / refill` requests in any span of one window, so this never
 *   exceeds `L` in any 15-minute span, wherever X's window starts (effect's defaults, `limit = L,
 *   window = 15 min`, would admit up to `2 L`).
 * - **X's word**: `x-rate-limit-limit`, `-remaining` and `-reset` of every answer, written to Redis by
 *   whichever worker got it: with `remaining` 0 no worker starts a request of that user and group
 *   before the reset, and X's `limit` replaces the configured one when lower (X's tiers differ).
 * - **Pauses**: a 429 or `Retry-After` seen by one worker pauses that user's group for all of them.
 *
 * Until X has answered once for a key (so the fleet knows its limit), only one request of that key
 * is in flight in the whole fleet: the first one is a probe, the others wait for its answer (at most
 * `probeTimeout`, after which another request probes).
 *
 * When Redis is unreachable, node-redis queues the commands until it is back: requests wait rather
 * than go to X unbudgeted. After a Redis restart the state is gone: the pace starts with a full
 * burst and the first request of each key probes again, so X's own `remaining` bounds the rest of
 * the window.
 *
 * @since 0.2.0
 */
import { Errors, RateBudget, type RateLimit } from "@x-media/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import * as Redis from "effect/persistence/Redis"
import * as Schedule from "effect/Schedule"

/**
 * How the shared budget paces requests. Every field is optional.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Prefix of every Redis key (default `x-media:budget:`). */
  readonly prefix?: string | undefined
  /**
   * The length of X's window (default 15 minutes and 1 second: X's reset is in whole seconds).
   * A test against an emulator with short windows sets its window here, plus one second.
   */
  readonly window?: Duration.Input | undefined
  /** The most requests of a key that may start at once after an idle time (default: a tenth of the limit, at least 1). */
  readonly burst?: number | undefined
  /** How long the first request of a key may stay alone in flight before another probes (default 10 s). */
  readonly probeTimeout?: Duration.Input | undefined
}

/** The default window: X's 15 minutes, plus a second for its reset rounded to whole seconds. */
export const defaultWindow: Duration.Duration = Duration.sum(Duration.minutes(15), Duration.seconds(1))

/**
 * The token bucket that never admits more than `limit` requests in a span of `windowMillis`: a
 * burst of `burst` and then one request every `refillMillis`.
 *
 * @since 0.2.0
 * @category pacing
 */
export const paceFor = (
  limit: number,
  windowMillis: number,
  burst?: number
): { readonly burst: number; readonly refillMillis: number } => {
  const wanted = burst ?? Math.max(1, Math.floor(limit / 10))
  const b = Math.max(1, Math.min(wanted, limit - 2))
  const refills = limit - b - 1
  return { burst: b, refillMillis: refills >= 1 ? Math.ceil(windowMillis / refills) : windowMillis + 1 }
}

/**
 * The gate: pauses, X's window and the first-request probe, in one atomic step. Returns the time
 * (ms) to wait until, 0 to start now, the limit X announced (0 when unknown), and 1 when the wait
 * is for the probe's answer rather than for X (0 otherwise).
 */
const gateScript = Redis.script(
  (pauseKey: string, windowKey: string, limitKey: string, probeKey: string, now: number, probeMillis: number) => [
    pauseKey,
    windowKey,
    limitKey,
    probeKey,
    now,
    probeMillis
  ],
  {
    numberOfKeys: 4,
    lua: `
local now = tonumber(ARGV[1])
local probems = tonumber(ARGV[2])
local paused = tonumber(redis.call("GET", KEYS[1]) or "0")
local waitto = 0
if paused > now then waitto = paused end
local resetat = tonumber(redis.call("HGET", KEYS[2], "resetAt") or "0")
local remaining = tonumber(redis.call("HGET", KEYS[2], "remaining") or "1")
if resetat > now and remaining <= 0 and resetat > waitto then waitto = resetat end
local limit = tonumber(redis.call("GET", KEYS[3]) or "0")
if waitto > now then return { waitto, limit, 0 } end
if limit == 0 then
  if redis.call("SET", KEYS[4], "1", "NX", "PX", probems) then return { 0, 0, 0 } end
  local ttl = redis.call("PTTL", KEYS[4])
  if ttl < 1 then ttl = 1 end
  if ttl > 100 then ttl = 100 end
  return { now + ttl, 0, 1 }
end
if resetat > now then redis.call("HINCRBY", KEYS[2], "remaining", -1) end
return { 0, limit, 0 }
`
  }
).withReturnType<readonly [number, number, number]>()

/** X's headers: an older window never replaces a newer one; within one, the lowest remaining wins. */
const observeScript = Redis.script(
  (
    windowKey: string,
    limitKey: string,
    probeKey: string,
    limit: number,
    remaining: number,
    resetAt: number,
    ttl: number
  ) => [
    windowKey,
    limitKey,
    probeKey,
    limit,
    remaining,
    resetAt,
    ttl
  ],
  {
    numberOfKeys: 3,
    lua: `
local limit = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local resetat = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
redis.call("SET", KEYS[2], limit, "PX", ttl)
redis.call("DEL", KEYS[3])
local known = tonumber(redis.call("HGET", KEYS[1], "resetAt") or "0")
if known > resetat then return 0 end
if known == resetat then
  local r = tonumber(redis.call("HGET", KEYS[1], "remaining") or tostring(remaining))
  if r < remaining then remaining = r end
end
redis.call("HSET", KEYS[1], "resetAt", resetat, "remaining", remaining)
redis.call("PEXPIREAT", KEYS[1], resetat + 1000)
return 1
`
  }
).withReturnType<number>()

/** A pause only grows. */
const pauseScript = Redis.script(
  (pauseKey: string, until: number) => [pauseKey, until],
  {
    numberOfKeys: 1,
    lua: `
local waitto = tonumber(ARGV[1])
local known = tonumber(redis.call("GET", KEYS[1]) or "0")
if waitto > known then redis.call("SET", KEYS[1], waitto, "PXAT", waitto + 1000) end
return 1
`
  }
).withReturnType<number>()

/**
 * While Redis is away, node-redis holds the commands until it is back; a command cut off by a
 * dropped connection is sent again for up to about a minute.
 */
const whileRedisIsAway = Schedule.exponential(Duration.millis(100)).pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(2))))
)

/**
 * Builds the shared budget on the `Redis` and `RateLimiter` services in the context.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const redis = yield* Redis.Redis
  const limiter = yield* RateLimiter.RateLimiter
  const prefix = options.prefix ?? "x-media:budget:"
  const windowMillis = Duration.toMillis(Duration.fromInputUnsafe(options.window ?? defaultWindow))
  const probeMillis = Duration.toMillis(Duration.fromInputUnsafe(options.probeTimeout ?? Duration.seconds(10)))
  const gate = redis.eval(gateScript)
  const observeEval = redis.eval(observeScript)
  const pauseEval = redis.eval(pauseScript)

  const keys = (key: RateBudget.Key) => {
    const base = `${prefix}${key.user}:${key.group}`
    return { base, pause: `${base}:pause`, window: `${base}:window`, limit: `${base}:limit`, probe: `${base}:probe` }
  }

  const retried = <A>(effect: Effect.Effect<A, Redis.RedisError>, what: string) =>
    effect.pipe(
      Effect.tapError((error) => Effect.logWarning(`x-media fleet: Redis ${what} failed, trying again`, error.cause)),
      Effect.retry({ schedule: whileRedisIsAway, times: 30 }),
      Effect.orDie
    )

  const acquire = (
    key: RateBudget.Key,
    acquireOptions: RateBudget.AcquireOptions
  ): Effect.Effect<void, Errors.RateLimited> =>
    Effect.gen(function*() {
      const k = keys(key)
      const maxWait = Duration.toMillis(acquireOptions.maxWait)
      const waitUntil = (until: number, now: number) =>
        Effect.gen(function*() {
          if (until - now > maxWait) {
            return yield* new Errors.RateLimited({
              step: acquireOptions.step,
              endpoint: acquireOptions.endpoint,
              resetAt: new Date(until),
              remaining: 0
            })
          }
          yield* acquireOptions.onWait(new Date(until))
          yield* Effect.sleep(Duration.millis(until - now))
        })
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const [until, announced, probing] = yield* retried(
          gate(k.pause, k.window, k.limit, k.probe, now, probeMillis),
          "gate"
        )
        if (until > now) {
          // Waiting for the first request's answer to tell X's limit is the budget's own short
          // hold, not a wait for X: `maxWait` (0: never wait for X) does not refuse it.
          if (probing === 1) yield* Effect.sleep(Duration.millis(until - now))
          else yield* waitUntil(until, now)
          continue
        }
        const limit = announced > 0 ? Math.min(announced, acquireOptions.limit) : acquireOptions.limit
        if (!Number.isFinite(limit)) return
        const pace = paceFor(limit, windowMillis, options.burst)
        const consumed = yield* retried(
          limiter.consume({
            key: k.base,
            algorithm: "token-bucket",
            onExceeded: "delay",
            limit: pace.burst,
            window: Duration.millis(pace.refillMillis * pace.burst)
          }).pipe(Effect.mapError((error) => new Redis.RedisError({ cause: error }))),
          "rate limiter"
        )
        const delay = Duration.toMillis(consumed.delay)
        // The token is ours (counted); its turn is after the delay.
        if (delay > 0) {
          yield* acquireOptions.onWait(new Date(now + delay))
          yield* Effect.sleep(consumed.delay)
        }
        return
      }
    })

  const observe = (key: RateBudget.Key, info: RateLimit.RateLimitInfo): Effect.Effect<void> => {
    const k = keys(key)
    return retried(
      observeEval(k.window, k.limit, k.probe, info.limit, info.remaining, info.resetAt.getTime(), windowMillis * 4),
      "observe"
    ).pipe(Effect.asVoid)
  }

  const pauseUntil = (key: RateBudget.Key, until: Date): Effect.Effect<void> =>
    retried(pauseEval(keys(key).pause, until.getTime()), "pause").pipe(Effect.asVoid)

  return RateBudget.RateBudget.of({ acquire, observe, pauseUntil })
})

/**
 * The shared budget as a layer over a `Redis` service (e.g. `NodeRedis.layer({ url })`), with
 * effect's Redis `RateLimiter` store under it.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RateBudget.RateBudget, never, Redis.Redis> =>
  Layer.effect(RateBudget.RateBudget, make(options)).pipe(
    Layer.provide(RateLimiter.layer),
    Layer.provide(RateLimiter.layerStoreRedis({ prefix: `${options.prefix ?? "x-media:budget:"}limiter:` }))
  )
