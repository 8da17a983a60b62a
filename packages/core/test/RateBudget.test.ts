import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Random } from "effect"
import { TestClock } from "effect/testing"
import * as Credentials from "../src/Credentials.ts"
import type { RateLimited } from "../src/Errors.ts"
import { MediaClient } from "../src/MediaClient.ts"
import { makeMediaId } from "../src/MediaId.ts"
import * as RateBudget from "../src/RateBudget.ts"
import { RateLimitInfo } from "../src/RateLimit.ts"
import { scriptedClient } from "./support/ScriptedX.ts"

const key: RateBudget.Key = { user: "1234", group: "media.append" }
const quarter = 15 * 60_000
const options = (limit: number, maxWait: Duration.Input = "1 hour"): RateBudget.AcquireOptions => ({
  limit,
  maxWait: Duration.fromInputUnsafe(maxWait),
  onWait: () => Effect.void,
  step: "APPEND",
  endpoint: "POST /2/media/upload/{id}/append"
})

/** The most starts within any 15-minute span [t, t + 15 min). */
const busiestSpan = (starts: ReadonlyArray<number>): number => {
  const sorted = [...starts].sort((a, b) => a - b)
  let most = 0
  for (let i = 0; i < sorted.length; i++) {
    let j = i
    while (j < sorted.length && sorted[j]! < sorted[i]! + quarter) j++
    most = Math.max(most, j - i)
  }
  return most
}

describe("RateBudget (in memory)", () => {
  it.effect("never starts more than the limit in any 15-minute span, and uses the whole limit", () =>
    Effect.gen(function*() {
      const budget = yield* RateBudget.makeMemory
      const limit = 20
      const starts: Array<number> = []
      // 12 fibers that each ask again at random moments for two hours of TestClock time.
      const worker = Effect.gen(function*() {
        for (;;) {
          yield* Effect.sleep(Duration.millis(yield* Random.nextIntBetween(0, 120_000)))
          yield* budget.acquire(key, options(limit))
          starts.push(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
        }
      })
      const fibers = yield* Effect.forEach(Array.from({ length: 12 }), () => Effect.forkChild(worker))
      for (let minute = 0; minute < 120; minute++) yield* TestClock.adjust("1 minute")
      yield* Effect.forEach(fibers, Fiber.interrupt)
      expect(busiestSpan(starts)).toBe(limit)
      // The limit is used, not halved: each 15 minutes of the two hours admitted it in full.
      expect(starts.length).toBeGreaterThanOrEqual(limit * 7)
    }))

  it.effect("follows X's headers: remaining 0 holds every request until the reset", () =>
    Effect.gen(function*() {
      const budget = yield* RateBudget.makeMemory
      yield* budget.observe(key, new RateLimitInfo({ limit: 1875, remaining: 2, resetAt: new Date(60_000) }))
      yield* budget.acquire(key, options(1875))
      yield* budget.acquire(key, options(1875))
      const third = yield* budget.acquire(key, options(1875)).pipe(Effect.forkChild)
      yield* TestClock.adjust(59_999)
      expect(third.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(1)
      yield* Fiber.join(third)
      // An older window never replaces a newer one.
      yield* budget.observe(key, new RateLimitInfo({ limit: 1875, remaining: 0, resetAt: new Date(30_000) }))
      yield* budget.acquire(key, options(1875))
    }))

  it.effect("a pause holds every caller of the key, including the ones already waiting", () =>
    Effect.gen(function*() {
      const budget = yield* RateBudget.makeMemory
      const waits: Array<number> = []
      const starts: Array<number> = []
      const acquire = budget.acquire(key, {
        ...options(1),
        onWait: (until) => Effect.sync(() => waits.push(until.getTime()))
      }).pipe(
        Effect.andThen(Effect.clockWith((clock) => clock.currentTimeMillis)),
        Effect.tap((now) => Effect.sync(() => starts.push(now)))
      )
      yield* acquire
      // The second waits for the budget (at 15 min); a pause to 20 min arrives meanwhile.
      const second = yield* acquire.pipe(Effect.forkChild)
      yield* TestClock.adjust("1 minute")
      yield* budget.pauseUntil(key, new Date(20 * 60_000))
      yield* budget.pauseUntil(key, new Date(5 * 60_000)) // an earlier pause never shortens it
      yield* TestClock.adjust("14 minutes")
      expect(second.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(second)
      expect(starts).toEqual([0, 20 * 60_000])
      expect(waits).toEqual([quarter, 20 * 60_000])
      // Another user, or another group, is not held.
      yield* budget.pauseUntil(key, new Date(60 * 60_000))
      yield* budget.acquire({ ...key, group: "media.status" }, options(1))
      yield* budget.acquire({ ...key, user: "5678" }, options(1))
    }))

  it.effect("a wait beyond the maximum fails at once with RateLimited and counts nothing", () =>
    Effect.gen(function*() {
      const budget = yield* RateBudget.makeMemory
      yield* budget.pauseUntil(key, new Date(quarter))
      const error: RateLimited = yield* Effect.flip(budget.acquire(key, options(5, "1 minute")))
      expect(error).toMatchObject({ _tag: "RateLimited", step: "APPEND", resetAt: new Date(quarter), remaining: 0 })
      yield* TestClock.adjust(quarter)
      for (let i = 0; i < 5; i++) yield* budget.acquire(key, options(5, "1 minute"))
    }))
})

describe("XClient and the RateBudget in the context", () => {
  it.effect("uses a provided budget, keyed by the user id of the OAuth 1.0a token and the endpoint group", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const recording = Layer.succeed(RateBudget.RateBudget, {
        acquire: (key, options) => Effect.sync(() => calls.push(`acquire ${key.user} ${key.group} ${options.limit}`)),
        observe: (key, info) => Effect.sync(() => calls.push(`observe ${key.group} ${info.remaining}`)),
        pauseUntil: (key, until) => Effect.sync(() => calls.push(`pause ${key.group} ${until.getTime()}`))
      })
      let n = 0
      const x = scriptedClient(() =>
        n++ === 0
          ? {
            status: 429,
            headers: { "retry-after": "3" },
            body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
          }
          : {
            body: { data: { id: "1880028106020515840", expires_after_secs: 100 } },
            headers: { "x-rate-limit-limit": "1000", "x-rate-limit-remaining": "999", "x-rate-limit-reset": "900" }
          }, {
        credentials: Credentials.oauth1({
          consumerKey: "k",
          consumerSecret: "s",
          accessToken: "370773112-abc",
          accessTokenSecret: "t"
        })
      })
      yield* MediaClient.use((client) => client.status(makeMediaId("1880028106020515840"))).pipe(
        Effect.provide(x.layer.pipe(Layer.provide(recording)))
      )
      expect(calls).toEqual([
        "acquire 370773112 media.status 1000",
        "pause media.status 3000",
        "acquire 370773112 media.status 1000",
        "observe media.status 999"
      ])
    }))
})

describe("Credentials.userOf", () => {
  it.effect("the numeric user id of an OAuth 1.0a token, else a short SHA-256 that reveals nothing", () =>
    Effect.gen(function*() {
      const oauth1 = (accessToken: string) =>
        Credentials.oauth1({ consumerKey: "k", consumerSecret: "s", accessToken, accessTokenSecret: "t" })
      expect(yield* Credentials.userOf(oauth1("370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"))).toBe("370773112")
      const opaque = yield* Credentials.userOf(oauth1("opaque-token-without-an-id"))
      expect(opaque).toMatch(/^sha256:[0-9a-f]{16}$/)
      expect(opaque).not.toContain("opaque")
      const token = "secret-oauth2-token"
      const oauth2 = yield* Credentials.userOf(Credentials.oauth2(token))
      expect(oauth2).toMatch(/^sha256:[0-9a-f]{16}$/)
      expect(yield* Credentials.userOf(Credentials.oauth2(token))).toBe(oauth2)
      expect(yield* Credentials.userOf(Credentials.oauth2(`${token}2`))).not.toBe(oauth2)
    }))
})
