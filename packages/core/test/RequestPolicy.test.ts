import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { CurrentProgressListener } from "../src/internal/ProgressChannel.ts"
import type * as Client from "../src/MediaClient.ts"
import { layer as MediaClientLayer, MediaClient } from "../src/MediaClient.ts"
import { makeMediaId } from "../src/MediaId.ts"
import { fromBytes } from "../src/MediaSource.ts"
import type { UploadEvent } from "../src/Progress.ts"
import { upload } from "../src/Upload.ts"
import type { RetryOptions } from "../src/XClient.ts"
import * as XClient from "../src/XClient.ts"
import { type Scripted, scriptedClient, type Sent, testCredentials } from "./support/ScriptedX.ts"

const id = makeMediaId("1880028106020515840")
const ok = { body: { data: { id: "1880028106020515840", expires_after_secs: 86400 } } }
const settle = TestClock.withLive(Effect.sleep("5 millis"))
const advance = (millis: number) => Effect.andThen(settle, Effect.andThen(TestClock.adjust(millis), settle))

const setup = (
  script: (sent: Sent, index: number) => Scripted,
  options: { retry?: RetryOptions; budget?: false | Record<string, number> } = {}
) => {
  const scripted = scriptedClient(script, options)
  const events: Array<UploadEvent> = []
  return {
    sent: scripted.sent,
    events,
    run: <A, E>(f: (client: Client.MediaClientShape) => Effect.Effect<A, E>) =>
      MediaClient.use(f).pipe(
        Effect.provideService(CurrentProgressListener, (event) => Effect.sync(() => events.push(event))),
        Effect.provide(scripted.layer)
      )
  }
}

describe("retries", () => {
  it.effect("a 503 is retried with exponential backoff and jitter until it succeeds", () => {
    const x = setup((_, i) => (i < 2 ? { status: 503, body: { errors: ["over capacity"] } } : ok))
    return Effect.gen(function*() {
      const fiber = yield* x.run((c) => c.status(id)).pipe(Effect.forkChild)
      for (let i = 0; i < 4; i++) yield* advance(500)
      const status = yield* Fiber.join(fiber)
      expect(status._tag).toBe("Ready")
      expect(x.sent).toHaveLength(3)
      const retries = x.events.filter((e) => e._tag === "Retrying")
      expect(retries.map((e) => e.attempt)).toEqual([2, 3])
      expect(retries[0]!.delayMillis).toBeGreaterThanOrEqual(250)
      expect(retries[0]!.delayMillis).toBeLessThanOrEqual(500)
      expect(retries[1]!.delayMillis).toBeGreaterThanOrEqual(500)
      expect(retries[1]!.delayMillis).toBeLessThanOrEqual(1000)
      expect(x.sent[1]!.at - x.sent[0]!.at).toBe(retries[0]!.delayMillis)
    })
  })

  it.effect("gives up after maxAttempts with the last error", () => {
    const x = setup(() => ({ status: 500, text: "" }), { retry: { maxAttempts: 3, baseDelay: "1 second" } })
    return Effect.gen(function*() {
      const fiber = yield* x.run((c) => c.status(id)).pipe(Effect.flip, Effect.forkChild)
      for (let i = 0; i < 5; i++) yield* advance(1000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "XApiError", status: 500 })
      expect(x.sent).toHaveLength(3)
    })
  })

  it.effect("a connection failure is retried; a 400 is not", () => {
    let calls = 0
    const flaky = HttpClient.make((request) =>
      Effect.suspend(() =>
        ++calls === 1
          ? Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, description: "socket hang up" })
            })
          )
          : Effect.succeed(
            HttpClientResponse.fromWeb(
              request,
              new Response(JSON.stringify({ errors: [{ code: 324, message: "Invalid media id" }] }), { status: 400 })
            )
          )
      )
    )
    return Effect.gen(function*() {
      const fiber = yield* MediaClient.use((c) => c.status(id)).pipe(
        Effect.flip,
        Effect.provide(MediaClientLayer.pipe(
          Layer.provide(XClient.layer({ credentials: testCredentials.oauth2, baseUrl: "http://x.test" })),
          Layer.provide(Layer.succeed(HttpClient.HttpClient, flaky))
        )),
        Effect.forkChild
      )
      yield* advance(1000)
      yield* advance(1000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "XApiError", status: 400 })
      expect(calls).toBe(2)
    })
  })
})

describe("rate limits", () => {
  it.effect("a 429 waits until X's reset time (plus a second) and continues", () => {
    const x = setup((sent, i) =>
      i === 0
        ? {
          status: 429,
          headers: {
            "x-rate-limit-limit": "1875",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": String(Math.floor(sent.at / 1000) + 5)
          },
          body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
        }
        : ok
    )
    return Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const fiber = yield* x.run((c) => c.finalize(id)).pipe(Effect.forkChild)
      yield* advance(5_999)
      expect(x.sent).toHaveLength(1)
      yield* advance(1)
      expect((yield* Fiber.join(fiber))._tag).toBe("Ready")
      expect(x.sent[1]!.at - x.sent[0]!.at).toBe(6_000)
      expect(x.events.find((e) => e._tag === "RateLimitWait")).toMatchObject({
        step: "FINALIZE",
        until: new Date(1_700_000_006_000)
      })
    })
  })

  it.effect("a reset beyond the maximum wait fails with RateLimited at once", () => {
    const x = setup((sent) => ({
      status: 429,
      headers: {
        "x-rate-limit-limit": "1875",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(Math.floor(sent.at / 1000) + 3600)
      },
      body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
    }), { retry: { maxRateLimitWait: "15 minutes" } })
    return Effect.gen(function*() {
      const error = yield* x.run((c) => c.finalize(id)).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "RateLimited",
        step: "FINALIZE",
        resetAt: new Date(3_600_000),
        limit: 1875,
        remaining: 0
      })
      expect(x.sent).toHaveLength(1)
    })
  })

  it.effect("a usage cap (problem type usage-capped) fails at once: no window ends it", () => {
    const x = setup(() => ({
      status: 429,
      body: {
        title: "UsageCapExceeded",
        detail: "Usage cap exceeded: Monthly product cap",
        type: "https://api.twitter.com/2/problems/usage-capped"
      }
    }))
    return Effect.gen(function*() {
      const error = yield* x.run((c) => c.finalize(id)).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "RateLimited", usageCapped: true })
      expect(error._tag === "RateLimited" && error.isRetryable).toBe(false)
      expect(error.message).toContain("the usage cap of the app's plan is used up (usage-capped)")
      expect(x.sent).toHaveLength(1)
    })
  })

  it.effect("a 429 without a reset time says its reset time is an estimate", () => {
    const x = setup(() => ({ status: 429, body: { errors: [{ code: 88, message: "Rate limit exceeded" }] } }), {
      retry: { maxRateLimitWait: "10 seconds" }
    })
    return Effect.gen(function*() {
      const error = yield* x.run((c) => c.finalize(id)).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "RateLimited", resetEstimated: true, resetAt: new Date(60_000) })
      expect(error.message).toMatch(
        /X gave no reset time; try again after \S+ \(an estimate\), and later if it is refused again\.$/
      )
      expect(x.sent).toHaveLength(1)
    })
  })

  it.effect("x-rate-limit-remaining 0 makes the next request of that step wait for the reset", () => {
    const x = setup((sent) => ({
      ...ok,
      headers: {
        "x-rate-limit-limit": "2",
        "x-rate-limit-remaining": sent.at < 10_000 ? "0" : "1",
        "x-rate-limit-reset": "10"
      }
    }))
    return x.run((c) =>
      Effect.gen(function*() {
        yield* c.status(id)
        const fiber = yield* c.status(id).pipe(Effect.forkChild)
        yield* advance(9_999)
        expect(x.sent).toHaveLength(1)
        yield* advance(1)
        yield* Fiber.join(fiber)
        expect(x.sent.map((s) => s.at)).toEqual([0, 10_000])
      })
    )
  })

  it.effect("the client-side budget delays requests past the group's limit", () => {
    const x = setup(() => ok, { budget: { STATUS: 2 } })
    return x.run((c) =>
      Effect.gen(function*() {
        yield* Effect.all([c.status(id), c.status(id)])
        const fiber = yield* c.status(id).pipe(Effect.forkChild)
        yield* advance(60_000)
        expect(x.sent).toHaveLength(2)
        yield* advance(15 * 60_000)
        yield* Fiber.join(fiber)
        expect(x.sent).toHaveLength(3)
        expect(x.events.some((e) => e._tag === "RateLimitWait" && e.step === "STATUS")).toBe(true)
      })
    )
  })
})

describe("Retry-After and 429 hold every request of the endpoint group, from any fiber", () => {
  const mediaIdText = "1880028106020515840"
  const chunk = 1024
  const png = (size: number) => {
    const bytes = new Uint8Array(size).fill(7)
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    return bytes
  }

  /**
   * An upload of 12 segments, 4 in flight: the first APPEND of segment 0 gets `refusal`, every
   * other APPEND takes 1 s to answer. Returns the clock time of every APPEND sent.
   */
  const uploadAgainst = (refusal: (sent: Sent) => Scripted) => {
    let refused = false
    const x = scriptedClient((sent) => {
      if (sent.url.endsWith("/initialize")) return { body: { data: { id: mediaIdText, expires_after_secs: 86400 } } }
      if (sent.url.endsWith("/finalize")) return { body: { data: { id: mediaIdText, expires_after_secs: 86400 } } }
      if (!refused && sent.params["segment_index"] === "0") {
        refused = true
        return refusal(sent)
      }
      return { status: 204, delayMillis: 1000 }
    }, { retry: { baseDelay: "100 millis" } })
    const events: Array<UploadEvent> = []
    return Effect.gen(function*() {
      const fiber = yield* upload(fromBytes(png(12 * chunk), "a.png"), {
        chunkSize: chunk,
        concurrency: 4,
        onProgress: (event) => Effect.sync(() => events.push(event))
      }).pipe(Effect.provide(x.layer), Effect.forkChild)
      for (let i = 0; i < 80; i++) yield* advance(500)
      const media = yield* Fiber.join(fiber)
      const appends = x.sent.filter((s) => s.url.endsWith("/append"))
      return { media, appends, events }
    })
  }

  const expectHeldUntil = (appends: ReadonlyArray<Sent>, until: (first: number) => number) => {
    // The first four went out together before X answered; every other APPEND (the retry of
    // segment 0 included) waited for the time X gave, though three fibers were ready a second later.
    const first = appends[0]!.at
    expect(appends.slice(0, 4).map((s) => s.at)).toEqual([first, first, first, first])
    expect(appends.length).toBe(13)
    for (const later of appends.slice(4)) expect(later.at).toBeGreaterThanOrEqual(until(first))
    expect(appends.slice(4).map((s) => s.params["segment_index"])).toContain("0")
  }

  it.effect("503 with Retry-After in seconds", () =>
    Effect.gen(function*() {
      const { appends, events, media } = yield* uploadAgainst(() => ({
        status: 503,
        headers: { "retry-after": "10" },
        text: ""
      }))
      expect(media.state).toBe("succeeded")
      expectHeldUntil(appends, (first) => first + 10_000)
      expect(events.find((e) => e._tag === "Retrying")).toMatchObject({
        step: "APPEND",
        segmentIndex: 0,
        attempt: 2,
        maxAttempts: 5
      })
    }))

  it.effect("503 with a Retry-After beyond maxRateLimitWait is not waited for: it fails at once, saying when", () => {
    const x = setup(() => ({ status: 503, headers: { "retry-after": "10" }, body: { errors: ["over capacity"] } }), {
      retry: { maxRateLimitWait: "5 seconds" }
    })
    return Effect.gen(function*() {
      const error = yield* x.run((c) => c.status(id)).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "XApiError", status: 503, attempts: 1 })
      expect(x.sent).toHaveLength(1)
      expect(error.message).toMatch(/asked to be tried again at \S+; try again after that\.$/)
    })
  })

  it.effect("503 with Retry-After as an HTTP date", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00Z"))
      const { appends } = yield* uploadAgainst(() => ({
        status: 503,
        headers: { "retry-after": "Tue, 01 Jan 2030 00:00:12 GMT" },
        text: ""
      }))
      expectHeldUntil(appends, () => Date.parse("2030-01-01T00:00:12Z"))
    }))

  it.effect("429 with Retry-After", () =>
    Effect.gen(function*() {
      const { appends, events } = yield* uploadAgainst(() => ({
        status: 429,
        headers: { "retry-after": "7" },
        body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
      }))
      expectHeldUntil(appends, (first) => first + 7_000)
      expect(events.some((e) =>
        e._tag === "RateLimitWait" && e.step === "APPEND" && e.until.getTime() === appends[0]!.at + 7_000
      )).toBe(true)
    }))

  it.effect("429 with Retry-After while the window has requests left: the Retry-After, not the window's reset", () =>
    Effect.gen(function*() {
      // X sends its window's headers on every answer; this 429 is not about the window.
      const { appends, media } = yield* uploadAgainst(() => ({
        status: 429,
        headers: {
          "retry-after": "7",
          "x-rate-limit-limit": "1875",
          "x-rate-limit-remaining": "1874",
          "x-rate-limit-reset": "600"
        },
        body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
      }))
      expect(media.state).toBe("succeeded")
      expectHeldUntil(appends, (first) => first + 7_000)
      for (const later of appends.slice(4)) expect(later.at).toBeLessThan(600_000)
    }))

  it.effect("429 with Retry-After and the window used up: the later of the two", () =>
    Effect.gen(function*() {
      const { appends } = yield* uploadAgainst(() => ({
        status: 429,
        headers: {
          "retry-after": "7",
          "x-rate-limit-limit": "1875",
          "x-rate-limit-remaining": "0",
          "x-rate-limit-reset": "12"
        },
        body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
      }))
      expectHeldUntil(appends, () => 13_000)
    }))

  it.effect("429 with x-rate-limit-reset, as before: until the reset plus a second", () =>
    Effect.gen(function*() {
      const { appends } = yield* uploadAgainst(() => ({
        status: 429,
        headers: { "x-rate-limit-limit": "1875", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "5" },
        body: { errors: [{ code: 88, message: "Rate limit exceeded" }] }
      }))
      expectHeldUntil(appends, () => 6_000)
    }))
})

describe("attempts", () => {
  it.effect("the final error says how many times the request was sent", () => {
    const x = setup(() => ({ status: 503, text: "" }), { retry: { maxAttempts: 3, baseDelay: "1 second" } })
    return Effect.gen(function*() {
      const fiber = yield* x.run((c) => c.status(id)).pipe(Effect.flip, Effect.forkChild)
      for (let i = 0; i < 6; i++) yield* advance(1000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "XApiError", status: 503, attempts: 3 })
      expect(
        x.events.filter((e) => e._tag === "Retrying").map((e) =>
          e._tag === "Retrying" && `${e.attempt} of ${e.maxAttempts}`
        )
      )
        .toEqual(["2 of 3", "3 of 3"])
    })
  })

  it.effect("a request refused at once was sent once", () => {
    const x = setup(() => ({ status: 400, body: { errors: [{ code: 324, message: "bad" }] } }))
    return Effect.gen(function*() {
      const error = yield* x.run((c) => c.status(id)).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "XApiError", status: 400, attempts: 1 })
    })
  })
})
