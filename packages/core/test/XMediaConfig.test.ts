import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import * as Credentials from "../src/Credentials.ts"
import * as XClient from "../src/XClient.ts"
import * as XMediaConfig from "../src/XMediaConfig.ts"

const provider = (env: Record<string, string>) => ConfigProvider.fromEnv({ env })
const withEnv = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, provider(env))

/** A transport that answers nothing and records nothing: these tests never reach it. */
const noTransport = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}"))))
)

const buildXClient = (options: Parameters<typeof XClient.layerConfig>[0], env: Record<string, string>) =>
  XClient.XClient.use(Effect.succeed).pipe(
    Effect.provide(XClient.layerConfig(options).pipe(Layer.provide(noTransport))),
    withEnv(env)
  )

describe("XMediaConfig", () => {
  it.effect("X_MEDIA_API: v1 or v2, v2 when absent or blank, anything else an InvalidOption naming it", () =>
    Effect.gen(function*() {
      expect(yield* XMediaConfig.load(XMediaConfig.dialect, provider({ X_MEDIA_API: "v1" }))).toBe("v1")
      expect(yield* XMediaConfig.load(XMediaConfig.dialect, provider({}))).toBe("v2")
      expect(yield* XMediaConfig.load(XMediaConfig.dialect, provider({ X_MEDIA_API: "  " }))).toBe("v2")
      const error = yield* Effect.flip(XMediaConfig.load(XMediaConfig.dialect, provider({ X_MEDIA_API: "v3" })))
      expect(error).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_API", value: "v3" })
    }))

  it.effect("X_MEDIA_BASE_URL is checked as scheme://host[:port]", () =>
    Effect.gen(function*() {
      const url = yield* XMediaConfig.load(
        XMediaConfig.optionalBaseUrl,
        provider({ X_MEDIA_BASE_URL: "http://127.0.0.1:9/" })
      )
      expect(url).toBe("http://127.0.0.1:9")
      expect(yield* XMediaConfig.load(XMediaConfig.optionalBaseUrl, provider({}))).toBeUndefined()
      for (const bad of ["x", "ftp://host", "http://host/path", "http://user:pw@host"]) {
        const error = yield* Effect.flip(
          XMediaConfig.load(XMediaConfig.optionalBaseUrl, provider({ X_MEDIA_BASE_URL: bad }))
        )
        expect(error).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_BASE_URL", value: bad })
      }
      // The required form: absent is "missing", so Config.option (and a CLI fallback) sees it as unset.
      expect(Option.isNone(yield* XMediaConfig.load(Config.option(XMediaConfig.baseUrl), provider({})))).toBe(true)
      expect(yield* XMediaConfig.load(XMediaConfig.baseUrl, provider({ X_MEDIA_BASE_URL: "https://x.test:8443" })))
        .toBe("https://x.test:8443")
    }))
})

describe("XClient.layerConfig", () => {
  const oauth2 = { X_OAUTH2_ACCESS_TOKEN: "token-1" }

  it.effect("reads credentials, X_MEDIA_API and X_MEDIA_BASE_URL from XMediaConfig.options", () =>
    Effect.gen(function*() {
      const x = yield* buildXClient(XMediaConfig.options, { ...oauth2, X_MEDIA_BASE_URL: "http://127.0.0.1:9" })
      expect({ dialect: x.dialect, hosts: x.hosts, scheme: x.scheme }).toEqual({
        dialect: "v2",
        hosts: { media: "http://127.0.0.1:9", api: "http://127.0.0.1:9" },
        scheme: "oauth2"
      })
      const v1 = yield* buildXClient(XMediaConfig.options, {
        X_API_KEY: "k",
        X_API_SECRET: "s",
        X_ACCESS_TOKEN: "1-t",
        X_ACCESS_TOKEN_SECRET: "ts",
        X_MEDIA_API: "v1"
      })
      // Media to the v1 host, everything else (posts) to api.x.com.
      expect(v1.hosts).toEqual({ media: "https://upload.twitter.com", api: "https://api.x.com" })
    }))

  it.effect("a field replaced by Config.succeed wins, and its variable is not even read", () =>
    Effect.gen(function*() {
      const x = yield* buildXClient(
        {
          ...XMediaConfig.options,
          dialect: Config.succeed("v2" as const),
          baseUrl: Config.succeed("http://127.0.0.1:7")
        },
        { ...oauth2, X_MEDIA_API: "v3", X_MEDIA_BASE_URL: "not a url" }
      )
      expect({ dialect: x.dialect, baseUrl: x.baseUrl }).toEqual({ dialect: "v2", baseUrl: "http://127.0.0.1:7" })
    }))

  it.effect("fails when built with the typed error of the variable at fault", () =>
    Effect.gen(function*() {
      const badApi = yield* Effect.flip(buildXClient(XMediaConfig.options, { ...oauth2, X_MEDIA_API: "v3" }))
      expect(badApi).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_API", value: "v3" })
      const badUrl = yield* Effect.flip(buildXClient(XMediaConfig.options, { ...oauth2, X_MEDIA_BASE_URL: "x" }))
      expect(badUrl).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_BASE_URL" })
      const none = yield* Effect.flip(buildXClient(XMediaConfig.options, {}))
      expect(none).toMatchObject({ _tag: "MissingCredentials", missing: [] })
      const unsupported = yield* Effect.flip(buildXClient(XMediaConfig.options, { ...oauth2, X_MEDIA_API: "v1" }))
      expect(unsupported).toMatchObject({ _tag: "AuthUnsupported", auth: "oauth2", dialect: "v1" })
    }))
})

describe("credentials at the boundary", () => {
  const build = (credentials: unknown) =>
    Effect.flip(
      XClient.XClient.use(Effect.succeed).pipe(
        // Plain JavaScript callers can pass anything: the types are no guard there.
        Effect.provide(
          XClient.layer({ credentials: credentials as Credentials.Credentials }).pipe(Layer.provide(noTransport))
        )
      )
    )

  it.effect("an object of plain strings (the emulator's credentials) fails with a typed error naming no value", () =>
    Effect.gen(function*() {
      const plain = {
        consumerKey: "plain-key",
        consumerSecret: "plain-secret",
        accessToken: "plain-token",
        accessTokenSecret: "plain-token-secret",
        oauth2Token: "plain-oauth2"
      }
      const error = yield* build(plain)
      expect(error).toMatchObject({ _tag: "InvalidOption", option: "credentials" })
      expect(error.message).toContain("Credentials.oauth1")
      expect(error.message).toContain("consumerKey")
      for (const value of Object.values(plain)) expect(JSON.stringify(error) + error.message).not.toContain(value)
    }))

  it.effect("credentials whose secret is not Redacted, or empty, are refused before any request", () =>
    Effect.gen(function*() {
      const forged = Credentials.oauth2("x")
      Object.defineProperty(forged, "accessToken", { value: "raw-token" })
      const notRedacted = yield* build(forged)
      expect(notRedacted.message).toContain("accessToken is not a Redacted value")
      expect(notRedacted.message).not.toContain("raw-token")
      const empty = yield* build(Credentials.oauth2(Redacted.make(" ")))
      expect(empty).toMatchObject({ _tag: "InvalidOption", option: "credentials" })
      expect(yield* build(undefined)).toMatchObject({
        _tag: "InvalidOption",
        option: "credentials",
        value: "undefined"
      })
    }))
})
