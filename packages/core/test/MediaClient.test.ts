import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { MediaClient } from "../src/MediaClient.ts"
import { makeMediaId } from "../src/MediaId.ts"
import { type Scripted, scriptedClient, type Sent } from "./support/ScriptedX.ts"

const id = makeMediaId("710511363345354753")
const base = "http://x.test"

// The seed's examples (shared/seed/post-media-upload-finalize.txt), as raw JSON text so that the
// numeric media_id is really a 64-bit number on the wire.
const seedSync =
  `{"media_id":710511363345354753,"media_id_string":"710511363345354753","size":11065,"expires_after_secs":86400,"video":{"video_type":"video/mp4"}}`
const seedAsync =
  `{"media_id":710511363345354753,"media_id_string":"710511363345354753","expires_after_secs":86400,"size":10240,"processing_info":{"state":"pending","check_after_secs":5}}`
const v1InProgress = (check: number, percent: number) =>
  `{"media_id":710511363345354753,"media_id_string":"710511363345354753","expires_after_secs":3595,"processing_info":{"state":"in_progress","check_after_secs":${check},"progress_percent":${percent}}}`
const v1Succeeded =
  `{"media_id":710511363345354753,"media_id_string":"710511363345354753","expires_after_secs":3593,"video":{"video_type":"video/mp4"},"processing_info":{"state":"succeeded","progress_percent":100}}`
const v2 = (data: Record<string, unknown>) => ({
  data: { id: "710511363345354753", media_key: "7_710511363345354753", ...data }
})

// Retries have their own tests (RequestPolicy.test.ts): here every answer is taken as it comes.
const clientWith = (dialect: "v1" | "v2", script: (sent: Sent, index: number) => Scripted) =>
  scriptedClient(script, { dialect, baseUrl: base, retry: { maxAttempts: 1 } })

/** Lets a forked fiber reach its next sleep: response bodies resolve through real promises. */
const settle = TestClock.withLive(Effect.sleep("5 millis"))

const advance = (millis: number) =>
  Effect.gen(function*() {
    yield* settle
    yield* TestClock.adjust(millis)
    yield* settle
  })

describe("FINALIZE (seed examples)", () => {
  it.effect("v1.1 sync FINALIZE is Ready with the exact 64-bit id and an absolute expiry", () => {
    const x = clientWith("v1", () => ({ text: seedSync }))
    return Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000)
      const client = yield* MediaClient
      const status = yield* client.finalize(id)
      expect(status._tag).toBe("Ready")
      expect(status.mediaId).toBe("710511363345354753")
      expect(status.size).toBe(11065)
      expect(status.expiresAt.getTime()).toBe(1_000_000 + 86_400_000)
      expect(x.sent).toHaveLength(1)
      expect(x.sent[0]).toMatchObject({
        method: "POST",
        url: `${base}/1.1/media/upload.json`,
        params: { command: "FINALIZE", media_id: "710511363345354753" }
      })
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("v1.1 async FINALIZE polls STATUS exactly when check_after_secs says, then is Ready", () => {
    const x = clientWith(
      "v1",
      (_, i) => ({ text: [seedAsync, v1InProgress(10, 8), v1InProgress(3, 60), v1Succeeded][i]! })
    )
    return Effect.gen(function*() {
      const client = yield* MediaClient
      const fiber = yield* client.finalizeAndAwait(id).pipe(Effect.forkChild)
      yield* advance(4_999)
      expect(x.sent).toHaveLength(1)
      yield* advance(1)
      expect(x.sent).toHaveLength(2)
      yield* advance(10_000)
      yield* advance(3_000)
      const ready = yield* Fiber.join(fiber)
      expect(ready._tag).toBe("Ready")
      expect(ready.mediaType).toBe("video/mp4")
      expect(x.sent.map((s) => s.at)).toEqual([0, 5_000, 15_000, 18_000])
      expect(x.sent.slice(1).every((s) => s.method === "GET" && s.params.command === "STATUS")).toBe(true)
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("v2 finalize and STATUS go to the dedicated endpoints and read data.id", () => {
    const x = clientWith("v2", (sent) =>
      sent.method === "POST"
        ? {
          body: v2({
            size: 10240,
            expires_after_secs: 86400,
            processing_info: { state: "pending", check_after_secs: 1 }
          })
        }
        : {
          body: v2({
            size: 10240,
            expires_after_secs: 86399,
            processing_info: { state: "succeeded", progress_percent: 100 }
          })
        })
    return Effect.gen(function*() {
      const client = yield* MediaClient
      const fiber = yield* client.finalizeAndAwait(id).pipe(Effect.forkChild)
      yield* advance(1_000)
      const ready = yield* Fiber.join(fiber)
      expect(ready.mediaKey).toBe("7_710511363345354753")
      expect(x.sent.map((s) => `${s.method} ${s.url}`)).toEqual([
        `POST ${base}/2/media/upload/710511363345354753/finalize`,
        `GET ${base}/2/media/upload`
      ])
      expect(x.sent[1]!.params).toEqual({ command: "STATUS", media_id: "710511363345354753" })
      expect(x.sent.map((s) => s.at)).toEqual([0, 1_000])
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("a v2 sync finalize is Ready without any STATUS", () => {
    const x = clientWith(
      "v2",
      () => ({ body: v2({ size: 3, expires_after_secs: 86400, image: { image_type: "image/png", w: 1, h: 1 } }) })
    )
    return Effect.gen(function*() {
      const ready = yield* (yield* MediaClient).finalizeAndAwait(id)
      expect(ready).toMatchObject({ _tag: "Ready", mediaType: "image/png", width: 1, height: 1 })
      expect(x.sent).toHaveLength(1)
    }).pipe(Effect.provide(x.layer))
  })
})

describe("processing failures and limits", () => {
  it.effect("in_progress with an error fails at once with ProcessingFailed and sends nothing more", () => {
    const stuck = v2({
      expires_after_secs: 86400,
      processing_info: {
        state: "in_progress",
        progress_percent: 99,
        error: { code: 1, name: "InvalidMedia", message: "file is invalid" }
      }
    })
    const x = clientWith(
      "v2",
      (s) =>
        s.method === "POST"
          ? { body: v2({ processing_info: { state: "pending", check_after_secs: 2 } }) }
          : { body: stuck }
    )
    return Effect.gen(function*() {
      const fiber = yield* (yield* MediaClient).finalizeAndAwait(id).pipe(Effect.flip, Effect.forkChild)
      yield* advance(2_000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "ProcessingFailed",
        mediaId: id,
        state: "in_progress",
        errorCode: 1,
        errorName: "InvalidMedia",
        errorMessage: "file is invalid",
        progressPercent: 99
      })
      expect(error.message).toContain("InvalidMedia")
      yield* advance(60_000)
      expect(x.sent).toHaveLength(2)
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("state failed fails with X's code, name and message", () => {
    const failed =
      `{"media_id":710511363345354753,"media_id_string":"710511363345354753","processing_info":{"state":"failed","progress_percent":100,"error":{"code":3,"name":"UnsupportedMedia","message":"Duration 2.minutes+29.seconds exceeds max duration of 2.minutes+20.seconds"}}}`
    const x = clientWith("v1", () => ({ text: failed }))
    return Effect.gen(function*() {
      const error = yield* (yield* MediaClient).status(id).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "ProcessingFailed",
        errorCode: 3,
        errorName: "UnsupportedMedia",
        state: "failed"
      })
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("a missing check_after_secs backs off from 1 s and never spins", () => {
    const x = clientWith(
      "v2",
      () => ({ body: v2({ expires_after_secs: 86400, processing_info: { state: "in_progress" } }) })
    )
    return Effect.gen(function*() {
      const fiber = yield* (yield* MediaClient).finalizeAndAwait(id, { maxWait: "1 hour" }).pipe(Effect.forkChild)
      for (let i = 0; i < 40; i++) yield* advance(1_000)
      yield* Fiber.interrupt(fiber)
      // FINALIZE at 0, then STATUS at 1, 3, 7, 15, 31 s: doubling from the 1 s floor.
      expect(x.sent.map((s) => s.at)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000])
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("an unknown state counts as still processing", () => {
    let n = 0
    const x = clientWith(
      "v2",
      () => ({
        body: v2({
          expires_after_secs: 100,
          processing_info: n++ === 0 ? { state: "uploading", check_after_secs: 1 } : { state: "succeeded" }
        })
      })
    )
    return Effect.gen(function*() {
      const client = yield* MediaClient
      const first = yield* client.status(id)
      expect(first).toMatchObject({ _tag: "Processing", state: "uploading", checkAfterSecs: 1 })
      const fiber = yield* client.awaitReady(first).pipe(Effect.forkChild)
      yield* advance(1_000)
      expect((yield* Fiber.join(fiber))._tag).toBe("Ready")
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("the maximum wait ends with ProcessingTimeout carrying the last state, without a late request", () => {
    const x = clientWith(
      "v2",
      (_, i) => ({
        body: v2({
          expires_after_secs: 86400,
          processing_info: { state: "in_progress", check_after_secs: 10, progress_percent: i }
        })
      })
    )
    return Effect.gen(function*() {
      const fiber = yield* (yield* MediaClient).finalizeAndAwait(id, { maxWait: "30 seconds" }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      for (let i = 0; i < 5; i++) yield* advance(10_000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "ProcessingTimeout",
        reason: "max-wait",
        lastState: "in_progress",
        lastProgressPercent: 3,
        waitedMillis: 30_000,
        maxWaitMillis: 30_000
      })
      expect(x.sent.map((s) => s.at)).toEqual([0, 10_000, 20_000, 30_000])
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("a first check X puts beyond the maximum wait ends at once, and the message says which check and which wait", () => {
    const x = clientWith(
      "v2",
      () => ({
        body: v2({ expires_after_secs: 86400, processing_info: { state: "pending", check_after_secs: 30 } })
      })
    )
    return Effect.gen(function*() {
      const error = yield* (yield* MediaClient).finalizeAndAwait(id, { maxWait: "10 seconds" }).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "ProcessingTimeout",
        reason: "max-wait",
        waitedMillis: 0,
        nextCheckMillis: 30_000
      })
      expect(error.message).toBe(
        `Media ${id} was still pending after 0 s: the next check, 30 s away, would pass the maximum wait of 10 s. ` +
          `Ask again later with \`x-media status ${id} --wait\`, or allow a longer wait (maxWait; --max-wait on the command line).`
      )
      expect(x.sent).toHaveLength(1)
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("a progress_percent that stops moving ends as stalled", () => {
    const x = clientWith(
      "v2",
      () => ({
        body: v2({
          expires_after_secs: 86400,
          processing_info: { state: "in_progress", check_after_secs: 5, progress_percent: 42 }
        })
      })
    )
    return Effect.gen(function*() {
      const fiber = yield* (yield* MediaClient).finalizeAndAwait(id, { maxWait: "1 hour", stallTimeout: "20 seconds" })
        .pipe(Effect.flip, Effect.forkChild)
      for (let i = 0; i < 6; i++) yield* advance(5_000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "ProcessingTimeout", reason: "stalled", lastProgressPercent: 42 })
      expect(error.message).toMatch(/its progress stopped moving\. X may still finish: ask again later with/)
      expect(x.sent.map((s) => s.at)).toEqual([0, 5_000, 10_000, 15_000, 20_000])
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("a check that would fall after the media's expiry ends the wait with reason expiry", () => {
    // X counts expires_after_secs down from the first answer: 12 s at FINALIZE, 2 s ten seconds later.
    const x = clientWith(
      "v2",
      (_, i) => ({
        body: v2({
          expires_after_secs: i === 0 ? 12 : 2,
          processing_info: { state: "in_progress", check_after_secs: 10 }
        })
      })
    )
    return Effect.gen(function*() {
      const fiber = yield* (yield* MediaClient).finalizeAndAwait(id).pipe(Effect.flip, Effect.forkChild)
      yield* advance(10_000)
      yield* advance(10_000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "ProcessingTimeout", reason: "expiry" })
      // Waiting longer or asking again cannot help a media that expires first.
      expect(error._tag === "ProcessingTimeout" && error.isRetryable).toBe(false)
      expect(error.message).toMatch(
        /would end after the media expires\. Upload it again; a media that expires cannot be posted\.$/
      )
      expect(x.sent).toHaveLength(2)
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("interrupting the wait stops polling", () => {
    const x = clientWith(
      "v2",
      () => ({ body: v2({ expires_after_secs: 86400, processing_info: { state: "pending", check_after_secs: 1 } }) })
    )
    return Effect.gen(function*() {
      const fiber = yield* (yield* MediaClient).finalizeAndAwait(id).pipe(Effect.forkChild)
      yield* advance(1_000)
      yield* advance(1_000)
      const before = x.sent.length
      yield* Fiber.interrupt(fiber)
      yield* advance(60_000)
      expect(before).toBe(3)
      expect(x.sent).toHaveLength(3)
      expect(Exit.isFailure(fiber.pollUnsafe()!)).toBe(true)
    }).pipe(Effect.provide(x.layer))
  })
})

describe("expiry", () => {
  it.effect("STATUS on an id known to have expired fails with MediaExpired without a request", () => {
    const x = clientWith(
      "v2",
      () => ({ body: v2({ expires_after_secs: 60, processing_info: { state: "pending", check_after_secs: 1 } }) })
    )
    return Effect.gen(function*() {
      const client = yield* MediaClient
      yield* client.status(id)
      yield* TestClock.adjust(60_000)
      const error = yield* client.status(id).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "MediaExpired", mediaId: id, step: "STATUS" })
      expect(x.sent).toHaveLength(1)
      const explicit = yield* client.status({ mediaId: makeMediaId("1"), expiresAt: new Date(0) }).pipe(Effect.flip)
      expect(explicit._tag).toBe("MediaExpired")
      expect(x.sent).toHaveLength(1)
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("APPEND and FINALIZE on an id that has expired fail with MediaExpired and send nothing", () => {
    const x = clientWith("v2", () => ({ body: { data: { id: "1", expires_after_secs: 60 } } }))
    return Effect.gen(function*() {
      const client = yield* MediaClient
      const start = yield* client.initialize({ totalBytes: 3, mediaType: "image/png" })
      expect(start.expiresAt.getTime()).toBe(60_000)
      yield* TestClock.adjust(60_000)
      // Known from INIT's answer (given as the id alone) or given with the reference.
      const append = yield* client.append(start, 0, new Uint8Array([1, 2, 3])).pipe(Effect.flip)
      expect(append).toMatchObject({ _tag: "MediaExpired", mediaId: "1", step: "APPEND", expiresAt: new Date(60_000) })
      const finalize = yield* client.finalize(start.mediaId).pipe(Effect.flip)
      expect(finalize).toMatchObject({ _tag: "MediaExpired", mediaId: "1", step: "FINALIZE" })
      const given = yield* client.append({ mediaId: makeMediaId("2"), expiresAt: new Date(1) }, 0, new Uint8Array([1]))
        .pipe(Effect.flip)
      expect(given._tag).toBe("MediaExpired")
      expect(given.isRetryable).toBe(false)
      expect(x.sent.map((s) => s.url)).toEqual([`${base}/2/media/upload/initialize`])
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("INIT without expires_after_secs expires after X's usual 86400 s", () => {
    const x = clientWith("v2", () => ({ body: { data: { id: "1" } } }))
    return Effect.gen(function*() {
      yield* TestClock.setTime(5_000)
      const start = yield* (yield* MediaClient).initialize({ totalBytes: 3, mediaType: "image/png" })
      expect(start.expiresAt.getTime()).toBe(5_000 + 86_400_000)
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("X's 4xx for an expired id maps to MediaExpired", () => {
    const x = clientWith(
      "v1",
      () => ({ status: 400, body: { errors: [{ code: 324, message: "Media id 710511363345354753 has expired" }] } })
    )
    return Effect.gen(function*() {
      const error = yield* (yield* MediaClient).status(id).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "MediaExpired", mediaId: id })
    }).pipe(Effect.provide(x.layer))
  })
})

describe("error envelopes", () => {
  const cases: ReadonlyArray<[string, Scripted, Record<string, unknown>]> = [
    ["v1.1 errors list", { status: 400, body: { errors: [{ code: 324, message: "Invalid media id 1" }] } }, {
      status: 400,
      errors: [{ code: 324, message: "Invalid media id 1" }]
    }],
    ["a single error string", { status: 400, body: { error: "Segments do not add up to provided total file size." } }, {
      errors: [{ message: "Segments do not add up to provided total file size." }]
    }],
    ["v2 problem JSON", {
      status: 400,
      headers: { "content-type": "application/problem+json" },
      body: {
        errors: [{ message: "Request body is not valid JSON." }],
        title: "Invalid Request",
        detail: "One or more parameters to your request was invalid.",
        type: "https://api.twitter.com/2/problems/invalid-request"
      }
    }, {
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      problemType: "https://api.twitter.com/2/problems/invalid-request",
      errors: [{ message: "Request body is not valid JSON." }]
    }],
    ["errors as plain strings", { status: 500, body: { errors: ["internal server error"] } }, {
      status: 500,
      errors: [{ message: "internal server error" }]
    }],
    ["legacy code and message", { status: 400, body: { code: 38, message: "media parameter is missing." } }, {
      errors: [{ code: 38, message: "media parameter is missing." }]
    }],
    ["an empty body", { status: 502, text: "" }, { status: 502, errors: [] }],
    ["an HTML page", { status: 503, text: "<html><body>Service Unavailable</body></html>" }, {
      status: 503,
      errors: [{ message: "non-JSON body: <html><body>Service Unavailable</body></html>" }]
    }]
  ]
  for (const [name, answer, expected] of cases) {
    it.effect(`parses ${name} into XApiError`, () => {
      const x = clientWith("v2", () => answer)
      return Effect.gen(function*() {
        const error = yield* (yield* MediaClient).status(id).pipe(Effect.flip)
        expect(error._tag).toBe("XApiError")
        expect(error).toMatchObject({
          step: "STATUS",
          endpoint: "GET /2/media/upload?command=STATUS",
          mediaId: id,
          ...expected
        })
        expect(error.message).toMatch(/HTTP \d{3} to STATUS/)
      }).pipe(Effect.provide(x.layer))
    })
  }

  it.effect("rate-limit headers ride along on the error, and 429 is RateLimited with the reset time", () => {
    const headers = { "x-rate-limit-limit": "1875", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1705420800" }
    const x = clientWith(
      "v2",
      () => ({ status: 429, headers, body: { errors: [{ code: 88, message: "Rate limit exceeded" }] } })
    )
    return Effect.gen(function*() {
      const error = yield* (yield* MediaClient).status(id).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "RateLimited", limit: 1875, remaining: 0, resetAt: new Date(1705420800_000) })
      expect(error.message).toContain("2024-01-16T16:00:00.000Z")
    }).pipe(Effect.provide(x.layer))
  })

  it.effect("a 2xx body that is not the protocol's becomes MalformedResponse with an excerpt", () => {
    const bodies = [
      "{\"media_id_string\":\"7105",
      "<html>oops</html>",
      "{\"media_id\":710511363345354753}",
      "{\"data\":{\"id\":123}}"
    ]
    return Effect.gen(function*() {
      for (const [i, text] of bodies.entries()) {
        const x = clientWith(i < 3 ? "v1" : "v2", () => ({ text }))
        const error = yield* MediaClient.use((client) => client.status(id)).pipe(Effect.flip, Effect.provide(x.layer))
        expect(error._tag).toBe("MalformedResponse")
        expect(error).toMatchObject({ step: "STATUS", status: 200, bodyExcerpt: text })
        // The parser's or the Schema's own error is kept as the cause.
        expect(error.cause).toBeInstanceOf(Error)
        expect(error.isRetryable).toBe(true)
      }
    })
  })
})
