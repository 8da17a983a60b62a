import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer } from "effect"
import { HttpBody, HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import * as Auth from "../src/Auth.ts"
import * as Credentials from "../src/Credentials.ts"
import type { ApiErrorDetail } from "../src/Errors.ts"
import * as MediaClient from "../src/MediaClient.ts"
import { makeMediaId } from "../src/MediaId.ts"
import * as XClient from "../src/XClient.ts"

// The V1–V3 / D1–D5 inputs of x-media-api.md §5.2–5.3.
const secrets = {
  consumerKey: "xvz1evFS4wEEPTGEFPHBog",
  consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
  accessToken: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
  accessTokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
}
const nonce = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
const nowMillis = 1318622958_000
const oauth1 = Credentials.oauth1(secrets)
const v1Upload = "https://upload.twitter.com/1.1/media/upload.json"

// A transport that records what it was asked to send and answers 200 (or the given statuses in turn).
const recorder = (statuses: ReadonlyArray<number> = []) => {
  const sent: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      const status = statuses[sent.length] ?? 200
      sent.push(request)
      return HttpClientResponse.fromWeb(request, new Response("{}", { status }))
    })
  )
  return { sent, client }
}

const authorizationOf = (request: HttpClientRequest.HttpClientRequest | undefined): string => {
  const header = request?.headers["authorization"]
  if (header === undefined) throw new Error("no Authorization header was sent")
  return header
}

// Parses `OAuth k="v", …` into decoded values.
const oauthFields = (header: string): Record<string, string> => {
  expect(header.startsWith("OAuth ")).toBe(true)
  return Object.fromEntries(
    header.slice("OAuth ".length).split(", ").map((pair) => {
      const match = /^([a-z_]+)="([^"]*)"$/.exec(pair)
      if (match === null) throw new Error(`malformed pair ${pair}`)
      return [match[1], decodeURIComponent(match[2] ?? "")]
    })
  )
}

// Signs one request with OAuth 1.0a, X's nonce and timestamp; returns it as it would be sent.
const sendSigned = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(nowMillis)
    return yield* Auth.signOAuth1(oauth1)(request).pipe(
      Effect.provideService(Auth.Nonce, { next: Effect.succeed(nonce) })
    )
  })

// An XClient on the recording transport.
const xClient = (
  transport: HttpClient.HttpClient,
  options: Partial<XClient.Options> = {}
) =>
  XClient.layer({ credentials: oauth1, ...options }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, transport))
  )

const statusRequest = (mediaId: string): XClient.Request => ({
  step: "STATUS",
  endpoint: "GET /1.1/media/upload.json (command=STATUS)",
  host: "media",
  request: HttpClientRequest.get("/1.1/media/upload.json", { urlParams: { command: "STATUS", media_id: mediaId } })
})

const signatureSent = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.map(sendSigned(request), (sent) => oauthFields(authorizationOf(sent))["oauth_signature"])

describe("signing with OAuth 1.0a", () => {
  it.effect("signs a urlencoded body (D1) and sends X's exact header", () =>
    Effect.gen(function*() {
      const sent = yield* sendSigned(
        HttpClientRequest.post(v1Upload).pipe(HttpClientRequest.bodyUrlParams({
          command: "INIT",
          total_bytes: 4430752,
          media_type: "video/mp4",
          media_category: "tweet_video"
        }))
      )
      expect(authorizationOf(sent)).toBe(
        "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", oauth_signature=\"oXaKQtWa6xz%2FeAMfb486632HfSk%3D\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
      )
    }))

  it.effect("does not sign a multipart body (D2)", () =>
    Effect.gen(function*() {
      const form = new FormData()
      form.append("command", "APPEND")
      form.append("media_id", "710511363345354753")
      form.append("segment_index", "0")
      form.append("media", new Blob([new Uint8Array([1, 2, 3])]), "blob")
      const signature = yield* signatureSent(
        HttpClientRequest.post(v1Upload).pipe(HttpClientRequest.bodyFormData(form))
      )
      expect(signature).toBe("NMzR2ONZg7LB8GenCn/47b0dz4A=")
    }))

  it.effect("does not sign a JSON body (D4)", () =>
    Effect.gen(function*() {
      const signature = yield* signatureSent(
        HttpClientRequest.post("https://api.x.com/2/media/upload/initialize").pipe(
          HttpClientRequest.bodyJsonUnsafe({
            media_type: "video/mp4",
            total_bytes: 4430752,
            media_category: "tweet_video"
          })
        )
      )
      expect(signature).toBe("jUP3qr04mgcjK6/SQrvXLoGzZUs=")
    }))

  it.effect("does not sign a urlencoded-looking body sent as another content type", () =>
    Effect.gen(function*() {
      const signature = yield* signatureSent(
        HttpClientRequest.post("https://api.x.com/2/media/upload/initialize").pipe(
          HttpClientRequest.bodyText("command=INIT", "text/plain")
        )
      )
      expect(signature).toBe("jUP3qr04mgcjK6/SQrvXLoGzZUs=")
    }))

  it.effect("signs query params set with setUrlParams (D3, D5) or written in the URL", () =>
    Effect.gen(function*() {
      const d3 = yield* signatureSent(
        HttpClientRequest.get(v1Upload).pipe(
          HttpClientRequest.setUrlParams({ command: "STATUS", media_id: "710511363345354753" })
        )
      )
      expect(d3).toBe("no3JILvbM+3o5Q5R9fOmT/3BDSc=")
      const d3InUrl = yield* signatureSent(
        HttpClientRequest.get(`${v1Upload}?command=STATUS&media_id=710511363345354753`)
      )
      expect(d3InUrl).toBe("no3JILvbM+3o5Q5R9fOmT/3BDSc=")
      const d5 = yield* signatureSent(
        HttpClientRequest.get("https://api.x.com/2/media/upload").pipe(
          HttpClientRequest.setUrlParams({ command: "STATUS", media_id: "1880028106020515840" })
        )
      )
      expect(d5).toBe("ZkMio+avf1tYkOY9L2zbmx4cVaM=")
    }))

  it.effect("signs query and form body together (V2, with + , ! in the body)", () =>
    Effect.gen(function*() {
      const signature = yield* signatureSent(
        HttpClientRequest.post("https://api.x.com/1.1/statuses/update.json").pipe(
          HttpClientRequest.setUrlParams({ include_entities: "true" }),
          HttpClientRequest.bodyUrlParams({ status: "Hello Ladies + Gentlemen, a signed OAuth request!" })
        )
      )
      expect(signature).toBe("Ls93hJiZbQ3akF3HF3x1Bz8/zU4=")
    }))

  it.effect("XClient signs the final URL, after its base URL is prepended", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(nowMillis)
      const { sent, client } = recorder()
      yield* XClient.XClient.use((x) => x.execute(statusRequest("710511363345354753"))).pipe(
        Effect.provide(xClient(client, { dialect: "v1" })),
        Effect.provide(Auth.fixedNonce(nonce))
      )
      expect(sent[0]?.url).toBe(v1Upload)
      expect(oauthFields(authorizationOf(sent[0]))["oauth_signature"]).toBe("no3JILvbM+3o5Q5R9fOmT/3BDSc=")
    }))

  it.effect("takes the timestamp from the Clock in whole seconds", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(nowMillis + 999)
      const signed = yield* Auth.signOAuth1(oauth1)(HttpClientRequest.get(v1Upload))
      expect(oauthFields(authorizationOf(signed))["oauth_timestamp"]).toBe("1318622958")
    }))

  it.effect("XClient uses a fresh random nonce for every request and every retry", () =>
    Effect.gen(function*() {
      const { sent, client } = recorder([503])
      yield* Effect.gen(function*() {
        const x = yield* XClient.XClient
        const fiber = yield* x.execute(statusRequest("1")).pipe(Effect.forkChild)
        // Signing runs on Web Crypto (real promises): let the fiber reach its backoff sleep first.
        for (let i = 0; i < 3; i++) {
          yield* TestClock.withLive(Effect.sleep("20 millis"))
          yield* TestClock.adjust("1 minute")
        }
        yield* Fiber.join(fiber)
        yield* x.execute(statusRequest("1"))
      }).pipe(Effect.provide(xClient(client, { dialect: "v1" })))
      expect(sent.map((request) => request.method)).toEqual(["GET", "GET", "GET"])
      const nonces = sent.map((request) => oauthFields(authorizationOf(request))["oauth_nonce"] ?? "")
      expect(new Set(nonces).size).toBe(3)
      for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9]{30,}$/)
    }))

  it.effect("never puts a secret in the header", () =>
    Effect.gen(function*() {
      const sent = yield* sendSigned(HttpClientRequest.post(v1Upload))
      const header = authorizationOf(sent)
      expect(header).not.toContain(secrets.consumerSecret)
      expect(header).not.toContain(secrets.accessTokenSecret)
    }))
})

describe("signedBodyParameters", () => {
  it("reads urlencoded bodies in their several forms, and nothing else", () => {
    const post = HttpClientRequest.post(v1Upload)
    const expected = [["command", "FINALIZE"], ["media_id", "1"]]
    expect(
      Auth.signedBodyParameters(post.pipe(HttpClientRequest.bodyUrlParams({ command: "FINALIZE", media_id: "1" })))
    )
      .toEqual(expected)
    expect(
      Auth.signedBodyParameters(
        post.pipe(
          HttpClientRequest.bodyText("command=FINALIZE&media_id=1", "application/x-www-form-urlencoded; charset=utf-8")
        )
      )
    ).toEqual(expected)
    expect(
      Auth.signedBodyParameters(
        post.pipe(
          HttpClientRequest.setBody(
            HttpBody.raw("command=FINALIZE&media_id=1", { contentType: "application/x-www-form-urlencoded" })
          )
        )
      )
    ).toEqual(expected)
    expect(
      Auth.signedBodyParameters(
        post.pipe(
          HttpClientRequest.setBody(
            HttpBody.raw(new URLSearchParams({ command: "FINALIZE", media_id: "1" }), {
              contentType: "application/x-www-form-urlencoded"
            })
          )
        )
      )
    ).toEqual(expected)
    expect(Auth.signedBodyParameters(post)).toEqual([])
    expect(Auth.signedBodyParameters(post.pipe(HttpClientRequest.bodyJsonUnsafe({ command: "INIT" })))).toEqual([])
    expect(Auth.signedBodyParameters(post.pipe(HttpClientRequest.bodyFormDataRecord({ command: "APPEND" })))).toEqual(
      []
    )
  })
})

describe("OAuth 2.0", () => {
  it.effect("XClient sends the token as Bearer", () =>
    Effect.gen(function*() {
      const { sent, client } = recorder()
      yield* XClient.XClient.use((x) =>
        x.execute({
          step: "INIT",
          endpoint: "POST /2/media/upload/initialize",
          request: HttpClientRequest.post("/2/media/upload/initialize")
        })
      ).pipe(Effect.provide(xClient(client, { credentials: Credentials.oauth2("user-token-123") })))
      expect(sent[0]?.url).toBe("https://api.x.com/2/media/upload/initialize")
      expect(authorizationOf(sent[0])).toBe("Bearer user-token-123")
    }))
})

describe("ensureSupported and XClient", () => {
  it.effect("accepts OAuth 1.0a on both dialects and OAuth 2.0 on v2", () =>
    Effect.gen(function*() {
      yield* Auth.ensureSupported(oauth1, "v1")
      yield* Auth.ensureSupported(oauth1, "v2")
      yield* Auth.ensureSupported(Credentials.oauth2("t"), "v2")
    }))

  it.effect("fails OAuth 2.0 on v1 with AuthUnsupported before any request is sent", () =>
    Effect.gen(function*() {
      const { sent, client } = recorder()
      const program = XClient.XClient.use((x) => x.execute(statusRequest("1"))).pipe(
        Effect.provide(xClient(client, { credentials: Credentials.oauth2("secret-oauth2-token"), dialect: "v1" }))
      )
      const exit = yield* Effect.exit(program)
      expect(sent).toHaveLength(0)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Auth.ensureSupported(Credentials.oauth2("secret-oauth2-token"), "v1"))
      expect(error._tag).toBe("AuthUnsupported")
      expect(error.auth).toBe("oauth2")
      expect(error.dialect).toBe("v1")
      expect(error.message).toContain("OAuth 2.0 user tokens work only with the v2")
      expect(error.message).not.toContain("secret-oauth2-token")
      expect(exit).toStrictEqual(Exit.fail(error))
    }))

  it.effect("AuthUnsupported advises changing the input that chose v1, and a neutral switch otherwise", () =>
    Effect.gen(function*() {
      const token = Credentials.oauth2("t")
      const advice = (chosenBy?: string) =>
        Effect.map(Effect.flip(Auth.ensureSupported(token, "v1", chosenBy)), (error) => error.message)
      expect(yield* advice("--api")).toMatch(/switch to the v2 dialect \(--api v2\)\.$/)
      expect(yield* advice("X_MEDIA_API")).toMatch(/switch to the v2 dialect \(X_MEDIA_API=v2\)\.$/)
      expect(yield* advice("dialect")).toMatch(/switch to the v2 dialect \(dialect: "v2"\)\.$/)
      expect(yield* advice()).toMatch(/switch to the v2 dialect\.$/)
      const error = yield* Effect.flip(Auth.ensureSupported(token, "v1", "--api"))
      expect(error.chosenBy).toBe("--api")
      // Followed, the advice gets past the error.
      yield* Auth.ensureSupported(token, "v2", "--api")
    }))

  it.effect("credentials go to X only: another service on the same HttpClient sends no Authorization", () =>
    Effect.gen(function*() {
      const { sent, client } = recorder()
      // A service of the application that calls some other host with the context's HttpClient.
      class Webhook extends Context.Service<Webhook, { readonly ping: Effect.Effect<void> }>()("test/Webhook") {
        static readonly layer = Layer.effect(
          Webhook,
          Effect.map(HttpClient.HttpClient, (http) => ({
            ping: http.post("https://hooks.example.com/ping").pipe(Effect.asVoid, Effect.orDie)
          }))
        )
      }
      const transport = Layer.succeed(HttpClient.HttpClient, client)
      const app = Layer.mergeAll(
        MediaClient.layer.pipe(Layer.provide(XClient.layer({ credentials: oauth1, dialect: "v1" }))),
        Webhook.layer
      ).pipe(Layer.provide(transport))
      yield* Effect.gen(function*() {
        yield* MediaClient.MediaClient.use((media) => media.status(makeMediaId("1")).pipe(Effect.ignore))
        yield* Webhook.use((webhook) => webhook.ping)
        const http = yield* HttpClient.HttpClient
        yield* http.get("https://other.example.com/").pipe(Effect.orDie)
      }).pipe(Effect.provide(Layer.merge(app, transport)))
      expect(sent.map((request) => request.url)).toEqual([
        v1Upload,
        "https://hooks.example.com/ping",
        "https://other.example.com/"
      ])
      expect(authorizationOf(sent[0])).toMatch(/^OAuth /)
      expect(sent[1]?.headers["authorization"]).toBeUndefined()
      expect(sent[2]?.headers["authorization"]).toBeUndefined()
    }))
})

describe("classifyAuthFailure", () => {
  const classify = (
    status: number,
    errors: ReadonlyArray<ApiErrorDetail>,
    extra: Partial<Auth.AuthFailureInput> = {}
  ) => Auth.classifyAuthFailure({ status, errors, dialect: "v1", scheme: "oauth1", ...extra })

  it("32 is a bad signature, pointing at the four secrets and request alteration", () => {
    const result = classify(401, [{ code: 32, message: "Could not authenticate you." }])
    expect(result.reason).toBe("bad-signature")
    expect(result.hint).toContain("X_API_SECRET")
    expect(result.hint).toContain("altered")
    // The CLI's flag is named beside the variable: either may have set the base URL.
    expect(result.hint).toContain("X_MEDIA_BASE_URL or --base-url")
  })

  it("135 is clock skew, with an NTP hint", () => {
    const result = classify(401, [{ code: 135, message: "Timestamp out of bounds." }])
    expect(result).toEqual({ reason: "clock-skew", hint: expect.stringContaining("NTP") })
  })

  it("89 is an invalid or expired token, with a re-authorize/refresh hint per scheme", () => {
    expect(classify(401, [{ code: 89, message: "Invalid or expired token." }]).reason).toBe("invalid-token")
    expect(
      classify(401, [{ code: 89, message: "Invalid or expired token." }], { dialect: "v2", scheme: "oauth2" }).hint
    )
      .toContain("Refresh")
    expect(classify(401, [{ code: 89, message: "x" }], { scheme: undefined }).hint).toContain("re-authorize")
  })

  it("215 is unauthorized (bad authentication data)", () => {
    expect(classify(400, [{ code: 215, message: "Bad Authentication data." }])).toEqual({
      reason: "unauthorized",
      hint: expect.stringContaining("215")
    })
  })

  it("OAuth 2.0 on v1 is oauth2-on-v1", () => {
    const result = classify(403, [], { scheme: "oauth2", dialect: "v1" })
    expect(result.reason).toBe("oauth2-on-v1")
    expect(result.hint).toContain("v2")
  })

  it("a 403 mentioning the scope, or any v2 403 with OAuth 2.0, is missing-scope", () => {
    expect(classify(403, [{ message: "Missing required scope: media.write" }], { dialect: "v2" }).reason)
      .toBe("missing-scope")
    const v2 = classify(403, [], {
      dialect: "v2",
      scheme: "oauth2",
      bodyText: "{\"title\":\"Forbidden\",\"type\":\"about:blank\",\"status\":403,\"detail\":\"Forbidden\"}"
    })
    expect(v2).toEqual({ reason: "missing-scope", hint: expect.stringContaining("media.write") })
  })

  it("an app-only bearer token is forbidden with a user-context hint", () => {
    const result = classify(403, [], {
      dialect: "v2",
      scheme: "oauth2",
      bodyText: "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint."
    })
    expect(result.reason).toBe("forbidden")
    expect(result.hint).toContain("user-context")
  })

  it("anything else is forbidden (403) or unauthorized (401) with a generic hint", () => {
    expect(classify(403, [{ code: 220, message: "Your credentials do not allow access to this resource." }]).reason)
      .toBe("forbidden")
    expect(classify(403, [], { dialect: "v2" }).reason).toBe("forbidden")
    expect(classify(401, [], { dialect: "v2" }).reason).toBe("unauthorized")
  })
})
