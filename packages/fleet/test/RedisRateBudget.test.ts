import { NodeRedis } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Errors, RateBudget, RateLimit } from "@x-media/core"
import { Duration, Effect, Fiber, Layer, Random } from "effect"
import { inject } from "vitest"
import * as RedisRateBudget from "../src/RedisRateBudget.ts"

const { redisUrl } = inject("servers")

const options = (limit: number, maxWait: Duration.Input = "1 minute"): RateBudget.AcquireOptions => ({
  limit,
  maxWait: Duration.fromInputUnsafe(maxWait),
  onWait: () => Effect.void,
  step: "APPEND",
  endpoint: "POST /2/media/upload/{id}/append"
})

/** One worker's budget: its own Redis connection, as another process would have. */
const budgetOf = (budgetOptions: RedisRateBudget.Options) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      RedisRateBudget.layer(budgetOptions).pipe(Layer.provide(NodeRedis.layer({ url: redisUrl })))
    )
    return context.mapUnsafe.get(RateBudget.RateBudget.key) as RateBudget.RateBudgetShape
  })

const freshKey = (): RateBudget.Key => ({ user: `u${Math.random().toString(36).slice(2)}`, group: "media.append" })

/** The most starts within any span of `windowMillis`. */
const busiestSpan = (starts: ReadonlyArray<number>, windowMillis: number): number => {
  const sorted = [...starts].sort((a, b) => a - b)
  let most = 0
  for (let i = 0; i < sorted.length; i++) {
    let j = i
    while (j < sorted.length && sorted[j]! <= sorted[i]! + windowMillis) j++
    most = Math.max(most, j - i)
  }
  return most
}

/**
 * Two workers on a fresh key: the first request is the probe, the second waits (with `maxWait`)
 * until the probe's answer tells X's limit, then starts.
 */
const secondWaitsForTheProbe = (maxWait: Duration.Input) =>
  Effect.gen(function*() {
    const key = freshKey()
    const [a, b] = yield* Effect.forEach([1, 2], () => budgetOf({ window: 60_000 }))
    yield* a!.acquire(key, options(100, maxWait))
    const second = yield* Effect.forkChild(b!.acquire(key, options(100, maxWait)))
    yield* Effect.sleep("300 millis")
    expect(second.pollUnsafe()).toBeUndefined()
    yield* a!.observe(
      key,
      new RateLimit.RateLimitInfo({ limit: 100, remaining: 99, resetAt: new Date(Date.now() + 60_000) })
    )
    yield* Fiber.join(second)
    return { a: a!, b: b!, key }
  })

describe("paceFor", () => {
  it("never admits more than the limit in a window, for X's numbers and small ones", () => {
    for (const limit of [1, 2, 3, 5, 12, 100, 1000, 1875]) {
      const windowMillis = 900_000
      const { burst, refillMillis } = RedisRateBudget.paceFor(limit, windowMillis)
      // A full burst, then one start per refill: the starts within any closed window.
      expect(burst + Math.floor(windowMillis / refillMillis)).toBeLessThanOrEqual(limit)
      // …and most of the limit is used: at least 80% over a window (or all but 2 for tiny limits).
      expect(burst + Math.floor(windowMillis / refillMillis)).toBeGreaterThanOrEqual(Math.min(limit - 2, 0.8 * limit))
    }
  })
})

describe("RedisRateBudget (real redis-server)", () => {
  it.live(
    "three workers never start more than the limit in any window, and use most of it",
    () =>
      Effect.gen(function*() {
        const windowMillis = 1000
        const limit = 8
        const key = freshKey()
        const budgets = yield* Effect.forEach([1, 2, 3], () => budgetOf({ window: windowMillis }))
        const starts: Array<number> = []
        // X's first answer tells the limit (and opens a window far in the future, not binding).
        yield* budgets[0]!.acquire(key, options(limit))
        starts.push(Date.now())
        yield* budgets[0]!.observe(
          key,
          new RateLimit.RateLimitInfo({ limit, remaining: 10_000, resetAt: new Date(Date.now() + 60_000) })
        )
        const worker = (budget: RateBudget.RateBudgetShape) =>
          Effect.gen(function*() {
            for (;;) {
              yield* budget.acquire(key, options(1875))
              starts.push(Date.now())
              yield* Effect.sleep(Duration.millis(yield* Random.nextIntBetween(0, 30)))
            }
          })
        const fibers = yield* Effect.forEach(budgets.flatMap((b) => [b, b]), (b) => Effect.forkChild(worker(b)))
        yield* Effect.sleep("3500 millis")
        yield* Effect.forEach(fibers, Fiber.interrupt)
        expect(busiestSpan(starts, windowMillis)).toBeLessThanOrEqual(limit)
        expect(starts.length).toBeGreaterThanOrEqual(Math.floor(limit * 3.5 * 0.6))
      }).pipe(Effect.scoped),
    20_000
  )

  it.live("sends one request until X's first answer tells the window, then goes wide", () =>
    Effect.gen(function*() {
      const { key, b } = yield* secondWaitsForTheProbe("1 minute")
      // Known now: several start at once (the burst).
      yield* Effect.forEach([1, 2, 3], () => b.acquire(key, options(100)), { concurrency: "unbounded" }).pipe(
        Effect.timeout("200 millis")
      )
    }).pipe(Effect.scoped))

  it.live("waiting for the first answer is not a wait for X: a maximum wait of 0 does not refuse it", () =>
    Effect.gen(function*() {
      const { a, b, key } = yield* secondWaitsForTheProbe(0)
      // X's window used up is a wait for X: refused at once.
      yield* a.observe(
        key,
        new RateLimit.RateLimitInfo({ limit: 100, remaining: 0, resetAt: new Date(Date.now() + 60_000) })
      )
      const error = yield* b.acquire(key, options(100, 0)).pipe(Effect.flip)
      expect(error).toBeInstanceOf(Errors.RateLimited)
    }).pipe(Effect.scoped))

  it.live("a pause seen by one worker (a 429) holds every worker until it ends", () =>
    Effect.gen(function*() {
      const key = freshKey()
      const [a, b] = yield* Effect.forEach([1, 2], () => budgetOf({ window: 60_000 }))
      yield* a!.acquire(key, options(100))
      yield* a!.observe(
        key,
        new RateLimit.RateLimitInfo({ limit: 100, remaining: 50, resetAt: new Date(Date.now() + 60_000) })
      )
      const until = Date.now() + 600
      yield* a!.pauseUntil(key, new Date(until))
      yield* b!.acquire(key, options(100))
      expect(Date.now()).toBeGreaterThanOrEqual(until)
    }).pipe(Effect.scoped))

  it.live("follows X's remaining fleet-wide: 0 left holds every worker until the reset", () =>
    Effect.gen(function*() {
      const key = freshKey()
      const [a, b] = yield* Effect.forEach([1, 2], () => budgetOf({ window: 60_000 }))
      yield* a!.acquire(key, options(100))
      const resetAt = Date.now() + 700
      yield* a!.observe(key, new RateLimit.RateLimitInfo({ limit: 100, remaining: 1, resetAt: new Date(resetAt) }))
      yield* b!.acquire(key, options(100)) // the last one X allows
      yield* a!.acquire(key, options(100))
      expect(Date.now()).toBeGreaterThanOrEqual(resetAt)
    }).pipe(Effect.scoped))

  it.live("a wait longer than the maximum fails at once with RateLimited", () =>
    Effect.gen(function*() {
      const key = freshKey()
      const budget = yield* budgetOf({ window: 60_000 })
      yield* budget.pauseUntil(key, new Date(Date.now() + 60_000))
      const error = yield* budget.acquire(key, options(100, "1 second")).pipe(Effect.flip)
      expect(error).toBeInstanceOf(Errors.RateLimited)
      expect(error.resetAt.getTime()).toBeGreaterThan(Date.now() + 50_000)
    }).pipe(Effect.scoped))
})
