import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { Emulator, startEmulator } from "../src/index.ts"
import { as, pngBytes, str, userId, v1Post, v2Append, v2Init, v2Status, withEmulator } from "./helpers.ts"

const init = { media_type: "image/png", total_bytes: 10 } as const

describe("several users", () => {
  it.live("each user has a numeric id, an access token <id>-…, its own secrets and OAuth 2.0 token; the app is shared", () =>
    withEmulator({ users: 3 }, (emulator) =>
      Effect.gen(function*() {
        const users = emulator.users
        expect(users).toHaveLength(3)
        expect(emulator.credentials).toEqual(users[0].credentials)
        expect(new Set(users.map((u) => u.id)).size).toBe(3)
        for (const user of users) {
          expect(user.id).toMatch(/^[0-9]{1,19}$/)
          expect(user.credentials.accessToken.startsWith(`${user.id}-`)).toBe(true)
          expect(user.credentials.consumerKey).toBe(users[0].credentials.consumerKey)
          expect(user.credentials.consumerSecret).toBe(users[0].credentials.consumerSecret)
          expect(user.oauth2Scopes).toContain("tweet.write")
        }
        expect(new Set(users.map((u) => u.credentials.accessTokenSecret)).size).toBe(3)
        expect(new Set(users.map((u) => u.credentials.oauth2Token)).size).toBe(3)

        // a request acts for the user whose token it carries, in both schemes
        const byOAuth1 = yield* v1Post(as(emulator, 1), [["command", "INIT"], ["media_type", "image/png"], [
          "total_bytes",
          "10"
        ]])
        const byOAuth2 = yield* v2Init(as(emulator, 2), init)
        expect(emulator.media(str(byOAuth1.json, "media_id_string"))?.ownerId).toBe(userId(emulator, 1))
        expect(emulator.media(str(byOAuth2.json, "data", "id"))?.ownerId).toBe(userId(emulator, 2))
        expect(emulator.requests().map((r) => [r.auth, r.userId])).toEqual([
          ["oauth1", userId(emulator, 1)],
          ["oauth2", userId(emulator, 2)]
        ])
        // a user's access token signed with another user's token secret is a bad signature
        const mixed = {
          url: emulator.url,
          credentials: { ...as(emulator, 1).credentials, accessTokenSecret: users[0].credentials.accessTokenSecret }
        }
        const bad = yield* v1Post(mixed, [["command", "INIT"], ["media_type", "image/png"], ["total_bytes", "10"]])
        expect(bad.status).toBe(401)
      })))

  it.live("users can be given: ids, tokens, scopes; `credentials` is the first user's and the app's", () =>
    withEmulator({
      credentials: { consumerKey: "app-key", consumerSecret: "app-secret", oauth2Token: "first-token" },
      users: [{ id: "42" }, { credentials: { accessToken: "777-token" }, oauth2Scopes: ["media.write"] }]
    }, (emulator) =>
      Effect.sync(() => {
        const [first, second] = emulator.users
        expect(first.id).toBe("42")
        expect(first.credentials).toMatchObject({ consumerKey: "app-key", oauth2Token: "first-token" })
        expect(first.credentials.accessToken.startsWith("42-")).toBe(true)
        expect(second).toMatchObject({
          id: "777",
          credentials: { consumerKey: "app-key", consumerSecret: "app-secret", accessToken: "777-token" },
          oauth2Scopes: ["media.write"]
        })
      })).pipe(
        Effect.andThen(Effect.promise(() =>
          Promise.allSettled([
            startEmulator({ users: [{ id: "1" }, { id: "1" }] }),
            startEmulator({ users: 0 }),
            startEmulator({ users: [{ id: "not digits" }] })
          ])
        )),
        Effect.map((outcomes) => {
          expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"])
        })
      ))
})

describe("rate limits per user and step, configurable numbers and window", () => {
  it.live("user A exhausted, user B unaffected; 429 code 88 counted per user; the window resets at the announced time", () =>
    withEmulator({ users: 2, rateLimits: { INIT: 3, windowMillis: 2000 } }, (emulator) =>
      Effect.gen(function*() {
        const [alice, bob] = [as(emulator, 0), as(emulator, 1)]
        const aliceAnswers = []
        for (let i = 0; i < 4; i++) aliceAnswers.push(yield* v2Init(alice, init))
        expect(aliceAnswers.map((a) => a.status)).toEqual([200, 200, 200, 429])
        expect(aliceAnswers.map((a) => a.headers.get("x-rate-limit-remaining"))).toEqual(["2", "1", "0", "0"])
        expect(aliceAnswers[3]?.json).toEqual({ errors: [{ code: 88, message: "Rate limit exceeded" }] })
        const reset = Number(aliceAnswers[0]?.headers.get("x-rate-limit-reset"))
        expect(reset * 1000 - emulator.now()).toBeGreaterThan(1000)
        expect(reset * 1000 - emulator.now()).toBeLessThanOrEqual(3000)

        const bobAnswers = []
        for (let i = 0; i < 3; i++) bobAnswers.push(yield* v2Init(bob, init))
        expect(bobAnswers.map((a) => [a.status, a.headers.get("x-rate-limit-limit")])).toEqual([
          [200, "3"],
          [200, "3"],
          [200, "3"]
        ])
        // another step has its own window, with X's number
        const status = yield* v2Status(alice, "1")
        expect([status.status, status.headers.get("x-rate-limit-limit")]).toEqual([400, "1000"])

        expect(emulator.tooManyRequests(userId(emulator, 0))).toBe(1)
        expect(emulator.tooManyRequests(userId(emulator, 1))).toBe(0)
        expect(emulator.tooManyRequests()).toBe(1)
        expect(emulator.requests().filter((r) => r.status === 429).map((r) => r.userId)).toEqual([userId(emulator, 0)])

        // the window is counted on the emulator clock and ends exactly at x-rate-limit-reset
        emulator.advanceClock(reset * 1000 - emulator.now())
        const again = yield* v2Init(alice, init)
        expect([again.status, again.headers.get("x-rate-limit-remaining")]).toEqual([200, "2"])
        emulator.reset()
        expect(emulator.tooManyRequests()).toBe(0)
      })))

  it.live("windows pass in real time too: within each announced window, the first `limit` pass and the rest get 429", () =>
    withEmulator({ rateLimits: { APPEND: 5, windowMillis: 1000 } }, (emulator) =>
      Effect.gen(function*() {
        const id = str((yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })).json, "data", "id")
        const windows = new Map<string, Array<number>>()
        for (let i = 0; i < 12; i++) {
          const answer = yield* v2Append(emulator, id, 0, pngBytes(10))
          const reset = answer.headers.get("x-rate-limit-reset") ?? ""
          windows.set(reset, [...(windows.get(reset) ?? []), answer.status])
        }
        // grouped by the window each answer announced (a slow machine may cross a window boundary)
        for (const statuses of windows.values()) {
          const passed = Math.min(statuses.length, 5)
          expect(statuses).toEqual([...Array(passed).fill(200), ...Array(statuses.length - passed).fill(429)])
        }
        expect([...windows.values()].some((statuses) => statuses.includes(429))).toBe(true)
        const reset = Number([...windows.keys()].at(-1))
        yield* Effect.sleep(Math.max(0, reset * 1000 - emulator.now()) + 20)
        expect((yield* v2Append(emulator, id, 0, pngBytes(10))).status).toBe(200)
      })))

  it.effect("the emulator's clock is effect's Clock: a TestClock moves it, and with it expiry and rate-limit windows", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const start = emulator.now()
      const first = yield* v2Init(emulator, init)
      expect(first.status).toBe(200)
      expect((yield* v2Init(emulator, init)).status).toBe(429)
      expect(emulator.now()).toBe(start)
      yield* TestClock.adjust("2 seconds")
      expect(emulator.now()).toBe(start + 2000)
      expect(emulator.requests()[0]?.startedAt).toBe(start)
      const next = yield* v2Init(emulator, init)
      expect(next.status).toBe(200)
      const id = str(next.json, "data", "id")
      yield* TestClock.adjust("10 seconds")
      const expired = yield* v2Append(emulator, id, 0, pngBytes(10))
      expect(expired.status).toBe(400)
      expect(emulator.media(id)?.expired).toBe(true)
    }).pipe(Effect.provide(Emulator.layer({
      // OAuth 1.0a timestamps would be checked against the TestClock too: use the OAuth 2.0 token
      rateLimits: { INIT: 1, windowMillis: 1000 },
      expiresAfterSecs: { init: 10 }
    }))))
})
