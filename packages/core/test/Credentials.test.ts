import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { inspect } from "node:util"
import * as Credentials from "../src/Credentials.ts"
import * as XMediaConfig from "../src/XMediaConfig.ts"

const full = {
  X_API_KEY: "key-AAAA",
  X_API_SECRET: "secret-BBBB",
  X_ACCESS_TOKEN: "token-CCCC",
  X_ACCESS_TOKEN_SECRET: "tokensecret-DDDD"
}
const bearer = { X_OAUTH2_ACCESS_TOKEN: "bearer-EEEE" }
const allValues = [...Object.values(full), ...Object.values(bearer)]

const load = (env: Record<string, unknown>, prefer?: Credentials.Scheme) =>
  XMediaConfig.loadCredentials({ prefer }, ConfigProvider.fromUnknown(env))

const expectNoSecret = (text: string) => {
  for (const value of allValues) expect(text).not.toContain(value)
}

describe("XMediaConfig.credentials", () => {
  it.effect("loads OAuth 1.0a when all four variables are set", () =>
    Effect.gen(function*() {
      const credentials = yield* load(full)
      expect(credentials._tag).toBe("OAuth1")
      if (credentials._tag !== "OAuth1") return
      expect(Redacted.value(credentials.consumerKey)).toBe("key-AAAA")
      expect(Redacted.value(credentials.consumerSecret)).toBe("secret-BBBB")
      expect(Redacted.value(credentials.accessToken)).toBe("token-CCCC")
      expect(Redacted.value(credentials.accessTokenSecret)).toBe("tokensecret-DDDD")
    }))

  it.effect("prefers OAuth 1.0a over an OAuth 2.0 token unless told otherwise", () =>
    Effect.gen(function*() {
      expect((yield* load({ ...full, ...bearer }))._tag).toBe("OAuth1")
      expect((yield* load({ ...full, ...bearer }, "oauth1"))._tag).toBe("OAuth1")
      const preferred = yield* load({ ...full, ...bearer }, "oauth2")
      expect(preferred._tag).toBe("OAuth2")
      // A preference never makes loading fail.
      expect((yield* load(full, "oauth2"))._tag).toBe("OAuth1")
      expect((yield* load(bearer, "oauth1"))._tag).toBe("OAuth2")
    }))

  it.effect("loads OAuth 2.0 when only the token is set", () =>
    Effect.gen(function*() {
      const credentials = yield* load(bearer)
      expect(credentials._tag).toBe("OAuth2")
      expect(Redacted.value(credentials.accessToken)).toBe("bearer-EEEE")
    }))

  it.effect("reads the environment through ConfigProvider.fromEnv and the context's provider", () =>
    Effect.gen(function*() {
      const fromEnv = yield* XMediaConfig.loadCredentials({}, ConfigProvider.fromEnv({ env: full }))
      expect(fromEnv._tag).toBe("OAuth1")
      const fromContext = yield* XMediaConfig.loadCredentials().pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: bearer }))
      )
      expect(fromContext._tag).toBe("OAuth2")
    }))

  it.effect("names exactly the missing OAuth 1.0a variables of a partial set", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load({ X_API_KEY: full.X_API_KEY, X_ACCESS_TOKEN: full.X_ACCESS_TOKEN }))
      expect(error._tag).toBe("MissingCredentials")
      expect(error.missing).toEqual(["X_API_SECRET", "X_ACCESS_TOKEN_SECRET"])
      expect(error.message).toContain("X_API_SECRET, X_ACCESS_TOKEN_SECRET")
      expectNoSecret(error.message)
      const one = yield* Effect.flip(load({ ...full, X_ACCESS_TOKEN_SECRET: undefined }))
      expect(one.missing).toEqual(["X_ACCESS_TOKEN_SECRET"])
    }))

  it.effect("a partial OAuth 1.0a set is an error even next to an OAuth 2.0 token, unless oauth2 is preferred", () =>
    Effect.gen(function*() {
      const partial = { X_API_KEY: full.X_API_KEY, ...bearer }
      const error = yield* Effect.flip(load(partial))
      expect(error.missing).toEqual(["X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"])
      expect(error.message).toContain("X_OAUTH2_ACCESS_TOKEN")
      expectNoSecret(error.message)
      expect((yield* load(partial, "oauth2"))._tag).toBe("OAuth2")
    }))

  it.effect("with nothing set, lists the two alternatives, not five missing variables", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load({}))
      expect(error._tag).toBe("MissingCredentials")
      expect(error.missing).toEqual([])
      expect(error.alternatives).toEqual([
        ["X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"],
        ["X_OAUTH2_ACCESS_TOKEN"]
      ])
      expect(error.message).toMatch(
        /^No credentials are configured\. Set either X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET \(OAuth 1\.0a.*\), or X_OAUTH2_ACCESS_TOKEN \(.*media\.write/
      )
      expect(error.message).not.toContain("Missing credentials:")
    }))

  it.effect("counts empty and blank strings as missing", () =>
    Effect.gen(function*() {
      const emptyProvider = (env: Record<string, string>) =>
        XMediaConfig.loadCredentials({}, ConfigProvider.fromUnknown(env, { preserveEmptyStrings: true }))
      const error = yield* Effect.flip(emptyProvider({ ...full, X_API_SECRET: "", X_ACCESS_TOKEN: "  " }))
      expect(error.missing).toEqual(["X_API_SECRET", "X_ACCESS_TOKEN"])
      const none = yield* Effect.flip(emptyProvider({ X_API_KEY: "", X_OAUTH2_ACCESS_TOKEN: "" }))
      expect(none).toMatchObject({ _tag: "MissingCredentials", missing: [] })
      const env = yield* Effect.flip(
        XMediaConfig.loadCredentials({}, ConfigProvider.fromEnv({ env: { ...full, X_API_KEY: "" } }))
      )
      expect(env.missing).toEqual(["X_API_KEY"])
      expect(
        (yield* emptyProvider({
          ...full,
          X_OAUTH2_ACCESS_TOKEN: ""
        }))._tag
      ).toBe("OAuth1")
    }))

  it.effect("a configuration source that fails names the variable and keeps nothing of the source's error", () =>
    Effect.gen(function*() {
      const failing = ConfigProvider.make(() =>
        Effect.fail(new ConfigProvider.SourceError({ message: `cannot parse line X_API_SECRET=${full.X_API_SECRET}` }))
      )
      const error = yield* Effect.flip(XMediaConfig.loadCredentials({}, failing))
      expect(error._tag).toBe("MissingCredentials")
      expect(error.missing).toEqual(["X_API_KEY"])
      expect(error.message).toContain("could not be read")
      expectNoSecret(error.message)
      expectNoSecret(JSON.stringify(error))
      expect(Object.keys(error)).not.toContain("cause")
    }))

  it.effect("non-string leaves are read as text, nested objects as absent", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load({ ...full, X_API_SECRET: { nested: "secret-BBBB" } }))
      expect(error.missing).toEqual(["X_API_SECRET"])
      expectNoSecret(error.message)
    }))
})

describe("printing credentials", () => {
  it.effect("never shows a secret through String, JSON.stringify, inspect or toJSON", () =>
    Effect.gen(function*() {
      const both = [yield* load(full), yield* load(bearer)]
      for (const credentials of both) {
        for (const text of [String(credentials), `${credentials}`, JSON.stringify(credentials), inspect(credentials)]) {
          expect(text).toContain("<redacted>")
          expectNoSecret(text)
        }
      }
      expect(String(both[0])).toBe("Credentials.OAuth1(<redacted>)")
      expect(JSON.parse(JSON.stringify(both[1]))).toEqual({ _tag: "OAuth2", accessToken: "<redacted>" })
    }))

  it("constructors wrap plain strings in Redacted", () => {
    const credentials = Credentials.oauth1({
      consumerKey: full.X_API_KEY,
      consumerSecret: full.X_API_SECRET,
      accessToken: full.X_ACCESS_TOKEN,
      accessTokenSecret: Redacted.make(full.X_ACCESS_TOKEN_SECRET)
    })
    expect(Redacted.isRedacted(credentials.consumerSecret)).toBe(true)
    expect(Redacted.value(credentials.accessTokenSecret)).toBe(full.X_ACCESS_TOKEN_SECRET)
    expect(Credentials.scheme(credentials)).toBe("oauth1")
    expect(Credentials.isOAuth1(credentials)).toBe(true)
    const token = Credentials.oauth2(bearer.X_OAUTH2_ACCESS_TOKEN)
    expect(Credentials.scheme(token)).toBe("oauth2")
    expect(Credentials.isOAuth2(token)).toBe(true)
    expectNoSecret(String(credentials) + String(token) + JSON.stringify([credentials, token]))
  })
})
