import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { at, bearer, oauth1Header, send, str, v1Post, v2Init, withEmulator } from "./helpers.ts"

const initParams = [["command", "INIT"], ["media_type", "image/png"], ["total_bytes", "10"]] as const

describe("authentication", () => {
  it.live("accepts a correct OAuth 1.0a signature that covers query and urlencoded body parameters", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const ok = yield* v1Post(emulator, initParams)
        expect(ok.status).toBe(202)
        // the same INIT with the parameters in the query string
        const url = `${emulator.url}/1.1/media/upload.json?command=INIT&media_type=image%2Fpng&total_bytes=10`
        const inQuery = yield* send(url, {
          method: "POST",
          headers: { authorization: oauth1Header(emulator.credentials, "POST", url) }
        })
        expect(inQuery.status).toBe(202)
        expect(emulator.requests().map((r) => r.auth)).toEqual(["oauth1", "oauth1"])
      })))

  it.live("a bad signature is 401 code 32", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const wrongSecret = yield* v1Post(emulator, initParams, { consumerSecret: "not-the-secret" })
        expect(wrongSecret.status).toBe(401)
        expect(wrongSecret.json).toEqual({ errors: [{ code: 32, message: "Could not authenticate you." }] })
        // leaving urlencoded body parameters out of the base string is a bad signature too
        const unsignedBody = yield* v1Post(emulator, initParams, { skipBodyParams: true })
        expect(unsignedBody.status).toBe(401)
        expect(at(unsignedBody.json, "errors", 0, "code")).toBe(32)
        expect(emulator.requests().map((r) => r.auth)).toEqual(["bad-signature", "bad-signature"])
        expect(emulator.allMedia()).toHaveLength(0)
      })))

  it.live("multipart bodies are not signed: signing them would be a bad signature", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.url}/1.1/media/upload.json`
        const form = () => {
          const body = new FormData()
          for (const [k, v] of initParams) body.set(k, v)
          return body
        }
        const signedWithBody = yield* send(url, {
          method: "POST",
          headers: { authorization: oauth1Header(emulator.credentials, "POST", url, initParams) },
          body: form()
        })
        expect(signedWithBody.status).toBe(401)
        const signedRight = yield* send(url, {
          method: "POST",
          headers: { authorization: oauth1Header(emulator.credentials, "POST", url) },
          body: form()
        })
        expect(signedRight.status).toBe(202)
      })))

  it.live("a reused nonce is 401 code 32", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const first = yield* v1Post(emulator, initParams, { nonce: "same-nonce" })
        expect(first.status).toBe(202)
        const replay = yield* v1Post(emulator, initParams, { nonce: "same-nonce" })
        expect(replay.status).toBe(401)
        expect(replay.json).toEqual({ errors: [{ code: 32, message: "Could not authenticate you." }] })
        expect(emulator.requests()[1]?.auth).toBe("reused-nonce")
      })))

  it.live("a timestamp outside the window is 401 code 135 (window configurable)", () =>
    withEmulator({ timestampWindowSecs: 60 }, (emulator) =>
      Effect.gen(function*() {
        const now = Math.floor(Date.now() / 1000)
        const late = yield* v1Post(emulator, initParams, { timestamp: now - 120 })
        expect(late.status).toBe(401)
        expect(late.json).toEqual({ errors: [{ code: 135, message: "Timestamp out of bounds." }] })
        const early = yield* v1Post(emulator, initParams, { timestamp: now + 120 })
        expect(early.status).toBe(401)
        const inside = yield* v1Post(emulator, initParams, { timestamp: now - 30 })
        expect(inside.status).toBe(202)
        expect(emulator.requests().map((r) => r.auth)).toEqual(["clock-skew", "clock-skew", "oauth1"])
      })))

  it.live("OAuth 2.0 bearer: accepted on v2, 403 on v1.1, 401 when unknown", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const v2 = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
        expect(v2.status).toBe(200)
        const v1 = yield* send(
          `${emulator.url}/1.1/media/upload.json?command=INIT&media_type=image%2Fpng&total_bytes=10`,
          {
            method: "POST",
            headers: bearer(emulator)
          }
        )
        expect(v1.status).toBe(403)
        expect(at(v1.json, "errors", 0, "code")).toBe(220)
        const unknown = yield* send(`${emulator.url}/2/media/upload/initialize`, {
          method: "POST",
          headers: { authorization: "Bearer nope", "content-type": "application/json" },
          body: JSON.stringify({ media_type: "image/png", total_bytes: 10 })
        })
        expect(unknown.status).toBe(401)
        expect(emulator.requests().map((r) => r.auth)).toEqual(["oauth2", "oauth2-on-v1", "unknown-bearer"])
      })))

  it.live("a token without media.write is 403 with a problem naming the scope", () =>
    withEmulator({ oauth2Scopes: ["tweet.read", "tweet.write"] }, (emulator) =>
      Effect.gen(function*() {
        const answer = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
        expect(answer.status).toBe(403)
        expect(answer.headers.get("content-type")).toContain("application/problem+json")
        expect(at(answer.json, "title")).toBe("Forbidden")
        expect(str(answer.json, "detail")).toContain("media.write")
        expect(emulator.requests()[0]?.auth).toBe("missing-scope")
      })))

  it.live("no credentials: v1.1 400 code 215, v2 401", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const v1 = yield* send(`${emulator.url}/1.1/media/upload.json?command=STATUS&media_id=1`)
        expect(v1.status).toBe(400)
        expect(v1.json).toEqual({ errors: [{ code: 215, message: "Bad Authentication data." }] })
        const v2 = yield* send(`${emulator.url}/2/media/upload?command=STATUS&media_id=1`)
        expect(v2.status).toBe(401)
        expect(emulator.requests().map((r) => r.auth)).toEqual(["missing", "missing"])
      })))

  it.live("configured credentials are used; auth can be turned off", () =>
    withEmulator(
      { credentials: { oauth2Token: "fixed-token", consumerKey: "ck" } },
      (emulator) =>
        Effect.gen(function*() {
          expect(emulator.credentials.oauth2Token).toBe("fixed-token")
          expect(emulator.credentials.consumerKey).toBe("ck")
          expect(emulator.credentials.consumerSecret.length).toBeGreaterThan(20)
          const ok = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
          expect(ok.status).toBe(200)
        })
    ).pipe(
      Effect.andThen(withEmulator({ auth: false }, (emulator) =>
        Effect.gen(function*() {
          const anything = yield* send(`${emulator.url}/2/media/upload/initialize`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ media_type: "image/png", total_bytes: 10 })
          })
          expect(anything.status).toBe(200)
          expect(emulator.requests()[0]?.auth).toBe("disabled")
        })))
    ))

  it.live("two emulators generate different credentials", () =>
    withEmulator({}, (a) =>
      withEmulator({}, (b) =>
        Effect.sync(() => {
          expect(a.credentials.consumerSecret).not.toBe(b.credentials.consumerSecret)
          expect(a.url).not.toBe(b.url)
        }))))
})
