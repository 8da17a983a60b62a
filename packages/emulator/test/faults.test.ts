import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { Fault, startEmulator } from "../src/index.ts"
import {
  at,
  bearer,
  mp4Bytes,
  pngBytes,
  send,
  str,
  userId,
  v1Append,
  v1Post,
  v1Status,
  v1Upload,
  v2Append,
  v2Finalize,
  v2Init,
  v2Status,
  v2Upload,
  withEmulator
} from "./helpers.ts"

const initVideo = (size: number) =>
  [["command", "INIT"], ["media_type", "video/mp4"], ["total_bytes", String(size)]] as const

describe("fault injection", () => {
  it.live("HTTP 5xx with X's body per dialect, or a given body; the request has no other effect", () =>
    withEmulator({ faults: [{ step: "INIT", fault: Fault.httpError(503) }] }, (emulator) =>
      Effect.gen(function*() {
        const v1 = yield* v1Post(emulator, initVideo(10))
        expect(v1.status).toBe(503)
        expect(v1.json).toEqual({ errors: [{ code: 131, message: "Internal error" }] })
        expect(v1.headers.get("x-rate-limit-limit")).toBe("1875")
        expect(emulator.allMedia()).toHaveLength(0)
        // fires once by default
        const next = yield* v1Post(emulator, initVideo(10))
        expect(next.status).toBe(202)
        emulator.setFaults([
          { step: "INIT", dialect: "v2", fault: Fault.httpError(500) },
          // the 2nd INIT matching this rule: the v2 INIT above was its 1st (taken by the rule before it)
          { step: "INIT", nth: 2, fault: Fault.httpError(502, { body: "upstream", contentType: "text/plain" }) }
        ])
        const v2 = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 10 })
        expect(v2.status).toBe(500)
        expect(at(v2.json, "title")).toBe("Internal Server Error")
        expect(v2.headers.get("content-type")).toContain("application/problem+json")
        const custom = yield* v1Post(emulator, initVideo(10))
        expect([custom.status, custom.text]).toEqual([502, "upstream"])
        expect(emulator.requests().map((r) => r.fault)).toEqual(["HttpError", undefined, "HttpError", "HttpError"])
      })))

  it.live("a dropped connection gets no answer at all, and the segment is not stored", () =>
    withEmulator(
      { faults: [{ step: "APPEND", segmentIndex: 1, fault: Fault.dropConnection() }] },
      (emulator) =>
        Effect.gen(function*() {
          const init = yield* v1Post(emulator, initVideo(20))
          const id = str(init.json, "media_id_string")
          expect((yield* v1Append(emulator, id, 0, mp4Bytes(10))).status).toBe(204)
          const dropped = yield* Effect.exit(v1Append(emulator, id, 1, mp4Bytes(10)))
          expect(Exit.isFailure(dropped)).toBe(true)
          const record = emulator.requests().find((r) => r.segmentIndex === 1)
          expect(record).toMatchObject({ dropped: true, status: undefined, fault: "DropConnection", step: "APPEND" })
          expect(emulator.media(id)?.receivedBytes).toBe(10)
          // the retry goes through
          expect((yield* v1Append(emulator, id, 1, mp4Bytes(10))).status).toBe(204)
        })
    ))

  it.live("429 with x-rate-limit-reset N seconds ahead", () =>
    withEmulator(
      { faults: [{ step: "FINALIZE", fault: Fault.rateLimited(30) }] },
      (emulator) =>
        Effect.gen(function*() {
          const init = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
          const id = str(init.json, "data", "id")
          yield* v2Append(emulator, id, 0, pngBytes(10))
          const limited = yield* v2Finalize(emulator, id)
          expect(limited.status).toBe(429)
          expect(limited.json).toEqual({ errors: [{ code: 88, message: "Rate limit exceeded" }] })
          expect(limited.headers.get("x-rate-limit-remaining")).toBe("0")
          const reset = Number(limited.headers.get("x-rate-limit-reset"))
          expect(reset - emulator.now() / 1000).toBeGreaterThan(29)
          expect(reset - emulator.now() / 1000).toBeLessThanOrEqual(31)
          expect((yield* v2Finalize(emulator, id)).status).toBe(200)
        })
    ))

  it.live("Retry-After on 503, in delta seconds and as an HTTP date; the request has no other effect", () =>
    withEmulator({
      faults: [
        { step: "INIT", nth: 1, fault: Fault.retryAfter(5) },
        { step: "INIT", nth: 2, fault: Fault.retryAfter(120, { form: "http-date" }) }
      ]
    }, (emulator) =>
      Effect.gen(function*() {
        const seconds = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
        expect(seconds.status).toBe(503)
        expect(seconds.headers.get("retry-after")).toBe("5")
        expect(at(seconds.json, "title")).toBe("Service Unavailable")
        // without resetAfterSecs the rate-limit headers are the usual ones
        expect(seconds.headers.get("x-rate-limit-remaining")).toBe("1874")
        const v1 = yield* v1Post(emulator, initVideo(10))
        expect(v1.status).toBe(503)
        expect(v1.json).toEqual({ errors: [{ code: 131, message: "Internal error" }] })
        const date = v1.headers.get("retry-after") ?? ""
        expect(date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
        const ahead = Date.parse(date) - emulator.now()
        expect(ahead).toBeGreaterThan(119_000)
        expect(ahead).toBeLessThanOrEqual(121_000)
        expect(emulator.requests().map((r) => [r.fault, r.responseHeaders["retry-after"]])).toEqual([
          ["RetryAfter", "5"],
          ["RetryAfter", date]
        ])
        expect(emulator.allMedia()).toHaveLength(0)
        expect((yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })).status).toBe(200)
      })))

  it.live("Retry-After on 429, alone or with x-rate-limit-reset; 429s are counted per user", () =>
    withEmulator({
      users: 2,
      faults: [
        { step: "APPEND", nth: 1, fault: Fault.retryAfter(3, { status: 429 }) },
        { step: "APPEND", nth: 2, fault: Fault.retryAfter(4, { status: 429, form: "http-date", resetAfterSecs: 9 }) }
      ]
    }, (emulator) =>
      Effect.gen(function*() {
        const id = str((yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })).json, "data", "id")
        const alone = yield* v2Append(emulator, id, 0, pngBytes(10))
        expect([alone.status, alone.headers.get("retry-after")]).toEqual([429, "3"])
        expect(alone.json).toEqual({ errors: [{ code: 88, message: "Rate limit exceeded" }] })
        expect(alone.headers.get("x-rate-limit-remaining")).not.toBe("0")
        const both = yield* v2Append(emulator, id, 0, pngBytes(10))
        expect(both.status).toBe(429)
        expect(Date.parse(both.headers.get("retry-after") ?? "") - emulator.now()).toBeGreaterThan(3000)
        expect(both.headers.get("x-rate-limit-remaining")).toBe("0")
        const reset = Number(both.headers.get("x-rate-limit-reset"))
        expect(reset - emulator.now() / 1000).toBeGreaterThan(8)
        expect(reset - emulator.now() / 1000).toBeLessThanOrEqual(10)
        expect((yield* v2Append(emulator, id, 0, pngBytes(10))).status).toBe(200)
        expect(emulator.tooManyRequests(emulator.users[0].id)).toBe(2)
        expect(emulator.tooManyRequests(userId(emulator, 1))).toBe(0)
        expect(() => emulator.setFaults([{ step: "INIT", fault: Fault.retryAfter(1.5) }])).toThrow(RangeError)
      })))

  it.live("an accepted request that is never answered: the client gives up; other requests are served", () =>
    withEmulator(
      { faults: [{ step: "APPEND", segmentIndex: 1, fault: Fault.neverAnswer() }] },
      (emulator) =>
        Effect.gen(function*() {
          const id = str((yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 20 })).json, "data", "id")
          const form = new FormData()
          form.set("segment_index", "1")
          form.set("media", new Blob([mp4Bytes(10)]))
          const started = performance.now()
          const hung = yield* Effect.exit(send(`${emulator.url}/2/media/upload/${id}/append`, {
            method: "POST",
            headers: bearer(emulator),
            body: form,
            signal: AbortSignal.timeout(300)
          }))
          expect(Exit.isFailure(hung)).toBe(true)
          expect(performance.now() - started).toBeGreaterThanOrEqual(290)
          // the body was read, and nothing was answered or stored
          const record = emulator.requests().find((r) => r.segmentIndex === 1)
          expect(record).toMatchObject({ fault: "NeverAnswer", status: undefined, step: "APPEND" })
          expect(record?.bodyBytes).toBeGreaterThan(10)
          expect(emulator.media(id)?.segments).toEqual([])
          // the record ends, as dropped, when the client gives up (a moment later on a busy machine)
          const ended = () => emulator.requests().find((r) => r.segmentIndex === 1)?.endedAt !== undefined
          for (let i = 0; i < 100 && !ended(); i++) yield* Effect.sleep("20 millis")
          expect(emulator.requests().find((r) => r.segmentIndex === 1)).toMatchObject({
            dropped: true,
            status: undefined
          })
          expect((yield* v2Append(emulator, id, 0, mp4Bytes(10))).status).toBe(200)
        })
    ))

  it.live("the emulator stops promptly while a request waits for an answer that never comes", () =>
    Effect.gen(function*() {
      const emulator = yield* Effect.promise(() =>
        startEmulator({ auth: false, faults: [{ step: "INIT", fault: Fault.neverAnswer() }] })
      )
      const hung = v2Init(emulator, { media_type: "image/png", total_bytes: 1 }).pipe(Effect.exit, Effect.forkChild)
      const fiber = yield* hung
      yield* Effect.sleep("100 millis")
      const started = performance.now()
      yield* Effect.promise(() => emulator.close())
      expect(performance.now() - started).toBeLessThan(5000)
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
    }))

  it.live("a slow answer: delayed by the given milliseconds, then handled normally", () =>
    withEmulator({ faults: [{ step: "INIT", fault: Fault.delay(150) }] }, (emulator) =>
      Effect.gen(function*() {
        const slow = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
        expect(slow.status).toBe(200)
        expect(slow.millis).toBeGreaterThanOrEqual(145)
        expect(emulator.allMedia()).toHaveLength(1)
        expect(emulator.requests()[0]?.fault).toBe("Delay")
      })))

  it.live("malformed bodies: truncated JSON, an HTML page, any body with any content type", () =>
    withEmulator({
      faults: [
        { step: "STATUS", nth: 1, fault: Fault.truncatedJson() },
        { step: "STATUS", nth: 2, fault: Fault.htmlPage(502) },
        { step: "STATUS", nth: 3, fault: Fault.malformedBody("", "application/json", 200) }
      ]
    }, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v2Upload(emulator, mp4Bytes(100), "video/mp4", 100)
        const truncated = yield* v2Status(emulator, id)
        expect(truncated.status).toBe(200)
        expect(truncated.json).toBeUndefined()
        expect(truncated.text.startsWith("{\"data\":")).toBe(true)
        const html = yield* v2Status(emulator, id)
        expect(html.status).toBe(502)
        expect(html.headers.get("content-type")).toContain("text/html")
        const empty = yield* v2Status(emulator, id)
        expect([empty.status, empty.text]).toEqual([200, ""])
        const normal = yield* v2Status(emulator, id)
        expect(at(normal.json, "data", "id")).toBe(id)
        // faulted STATUS requests never reached processing
        expect(emulator.media(id)?.statusChecks).toBe(1)
      })))

  it.live("string-only errors: {\"errors\":[\"internal server error\"]}", () =>
    withEmulator({ faults: [{ step: "APPEND", fault: Fault.stringErrors() }] }, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 10 })
        const answer = yield* v2Append(emulator, str(init.json, "data", "id"), 0, mp4Bytes(10))
        expect(answer.status).toBe(500)
        expect(answer.json).toEqual({ errors: ["internal server error"] })
      })))

  it.live("processing stuck at in_progress with an InvalidMedia error and no check_after_secs", () =>
    withEmulator({
      processing: { checkAfterSecs: 0 },
      faults: [{ step: "STATUS", nth: 2, fault: Fault.processingStuck() }]
    }, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v1Upload(emulator, mp4Bytes(100), "video/mp4", 100, "tweet_video")
        const first = yield* v1Status(emulator, id)
        expect(at(first.json, "processing_info", "state")).toBe("in_progress")
        for (let i = 0; i < 3; i++) {
          const stuck = yield* v1Status(emulator, id)
          expect(at(stuck.json, "processing_info")).toEqual({
            state: "in_progress",
            progress_percent: 99,
            error: { code: 1, name: "InvalidMedia", message: "file is invalid" }
          })
        }
        expect(emulator.media(id)).toMatchObject({ state: "in_progress", stuck: true })
      })))

  it.live("processing failed (matched at FINALIZE: the FINALIZE answer already says failed)", () =>
    withEmulator({
      faults: [{
        step: "FINALIZE",
        fault: Fault.processingFailed({ code: 3, name: "UnsupportedMedia", message: "Duration too long" })
      }]
    }, (emulator) =>
      Effect.gen(function*() {
        const { id, finalize } = yield* v2Upload(emulator, mp4Bytes(100), "video/mp4", 100)
        const failed = {
          state: "failed",
          progress_percent: 0,
          error: { code: 3, name: "UnsupportedMedia", message: "Duration too long" }
        }
        expect(at(finalize.json, "data", "processing_info")).toEqual(failed)
        expect(at((yield* v2Status(emulator, id)).json, "data", "processing_info")).toEqual(failed)
        expect(emulator.media(id)?.state).toBe("failed")
      })))

  it.live("expiry: the id expires now, so the matched request is refused", () =>
    withEmulator(
      { faults: [{ step: "APPEND", segmentIndex: 2, fault: Fault.expire() }] },
      (emulator) =>
        Effect.gen(function*() {
          const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 30 })
          const id = str(init.json, "data", "id")
          expect((yield* v2Append(emulator, id, 0, mp4Bytes(12))).status).toBe(200)
          expect((yield* v2Append(emulator, id, 1, mp4Bytes(12))).status).toBe(200)
          const expired = yield* v2Append(emulator, id, 2, mp4Bytes(6))
          expect(expired.status).toBe(400)
          expect(str(expired.json, "errors", 0, "message")).toContain("expired")
          expect(emulator.media(id)?.expired).toBe(true)
        })
    ))

  it.live("nth and times select which matching requests fire; counts restart on setFaults", () =>
    withEmulator(
      { faults: [{ step: "APPEND", nth: 2, times: 2, fault: Fault.httpError(503) }] },
      (emulator) =>
        Effect.gen(function*() {
          const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 10 })
          const id = str(init.json, "data", "id")
          const statuses: Array<number> = []
          for (let i = 0; i < 5; i++) statuses.push((yield* v2Append(emulator, id, 0, mp4Bytes(10))).status)
          expect(statuses).toEqual([200, 503, 503, 200, 200])
          emulator.setFaults([{ step: "APPEND", times: Infinity, mediaId: id, fault: Fault.httpError(500) }])
          const again: Array<number> = []
          for (let i = 0; i < 3; i++) again.push((yield* v2Append(emulator, id, 0, mp4Bytes(10))).status)
          expect(again).toEqual([500, 500, 500])
          const other = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 10 })
          const otherAppend = yield* v2Append(emulator, str(other.json, "data", "id"), 0, mp4Bytes(10))
          expect(otherAppend.status).toBe(200)
          emulator.setFaults([])
          expect((yield* v2Append(emulator, id, 0, mp4Bytes(10))).status).toBe(200)
          expect(() => emulator.setFaults([{ step: "INIT", nth: 0, fault: Fault.expire() }])).toThrow(RangeError)
        })
    ))

  it.live("METADATA faults match alt-text requests", () =>
    withEmulator(
      { auth: false, faults: [{ step: "METADATA", fault: Fault.httpError(503) }] },
      (emulator) =>
        Effect.gen(function*() {
          const { id } = yield* v2Upload(emulator, pngBytes(100), "image/png", 100)
          const answer = yield* send(`${emulator.url}/2/media/metadata`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id, metadata: { alt_text: { text: "cat" } } })
          })
          expect(answer.status).toBe(503)
          expect(emulator.media(id)?.altText).toBeUndefined()
          expect(emulator.requests().at(-1)).toMatchObject({ step: "METADATA", mediaId: id, fault: "HttpError" })
        })
    ))
})
