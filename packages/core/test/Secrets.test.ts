/**
 * No secret in any error a library user may log (its message, JSON, inspection), in any progress
 * event, or anywhere in a request but the Authorization header. The CLI has its own output tests;
 * these catch a secret at its source.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { inspect } from "node:util"
import * as Credentials from "../src/Credentials.ts"
import { fromBytes } from "../src/MediaSource.ts"
import type { UploadEvent } from "../src/Progress.ts"
import { upload } from "../src/Upload.ts"
import { scriptedClient, type Sent } from "./support/ScriptedX.ts"

const secrets = {
  consumerKey: "SECRET-consumer-key",
  consumerSecret: "SECRET-consumer-secret",
  accessToken: "987654-SECRET-access-token",
  accessTokenSecret: "SECRET-access-token-secret",
  oauth2: "SECRET-oauth2-token"
}

const png = () => {
  const bytes = new Uint8Array(3000).fill(1)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return bytes
}

/** Every text of an error a user may print or store. */
const textsOf = (error: unknown): Array<string> => [
  error instanceof Error ? error.message : "",
  JSON.stringify(error),
  inspect(error, { depth: 10 }),
  String(error)
]

/** Everything of a request but its Authorization header. */
const outsideAuthorization = (sent: Sent): string => {
  const { authorization: _authorization, ...headers } = sent.headers
  return JSON.stringify({ url: sent.url, params: sent.params, headers })
}

const cases = [
  {
    scheme: "OAuth 1.0a",
    credentials: Credentials.oauth1(secrets),
    // The header carries the consumer key and the access token (as X requires), never the secrets.
    neverInHeader: [secrets.consumerSecret, secrets.accessTokenSecret],
    dialect: "v1" as const
  },
  { scheme: "OAuth 2.0", credentials: Credentials.oauth2(secrets.oauth2), neverInHeader: [], dialect: "v2" as const }
]

describe("no secret leaves through an error, an event, or a request", () => {
  for (const { credentials, dialect, neverInHeader, scheme } of cases) {
    it.effect(`${scheme}: X refuses the credentials (AuthenticationFailed)`, () =>
      Effect.gen(function*() {
        const x = scriptedClient(
          () => ({ status: 401, body: { errors: [{ code: 89, message: "Invalid or expired token." }] } }),
          {
            credentials,
            dialect
          }
        )
        const error = yield* upload(fromBytes(png(), "a.png")).pipe(Effect.provide(x.layer), Effect.flip)
        expect(error._tag).toBe("AuthenticationFailed")
        for (const text of textsOf(error)) {
          for (const secret of Object.values(secrets)) expect(text).not.toContain(secret)
        }
        expect(x.sent.length).toBeGreaterThan(0)
        for (const sent of x.sent) {
          for (const secret of Object.values(secrets)) expect(outsideAuthorization(sent)).not.toContain(secret)
          for (const secret of neverInHeader) expect(sent.headers["authorization"]).not.toContain(secret)
        }
      }))

    it.effect(`${scheme}: failures retried and given up on (XApiError, events)`, () =>
      Effect.gen(function*() {
        const x = scriptedClient(
          (sent) =>
            sent.url.includes("initialize") || sent.params["command"] === "INIT"
              ? { body: { data: { id: "1", expires_after_secs: 100 }, media_id_string: "1", expires_after_secs: 100 } }
              : { status: 503, body: { errors: [{ message: "Over capacity" }] } },
          { credentials, dialect, retry: { maxAttempts: 3, baseDelay: "1 second" } }
        )
        const events: Array<UploadEvent> = []
        const fiber = yield* upload(fromBytes(png(), "a.png"), { onProgress: (e) => Effect.sync(() => events.push(e)) })
          .pipe(
            Effect.provide(x.layer),
            Effect.flip,
            Effect.forkChild
          )
        for (let i = 0; i < 10; i++) {
          yield* TestClock.withLive(Effect.sleep("5 millis"))
          yield* TestClock.adjust("1 second")
        }
        const error = yield* Fiber.join(fiber)
        expect(error).toMatchObject({ _tag: "XApiError", status: 503, attempts: 3 })
        const everything = [
          ...textsOf(error),
          ...events.map((e) => JSON.stringify(e)),
          ...x.sent.map(outsideAuthorization)
        ]
        for (const text of everything) for (const secret of Object.values(secrets)) expect(text).not.toContain(secret)
      }))
  }
})
