import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { emulator, onlyJson, samples } from "./support/Cli.ts"
import { runCli } from "./support/InProcess.ts"

/** Known secrets, so both output streams can be searched for them. */
const secrets = {
  consumerKey: "SECRET-DO-NOT-PRINT-consumer-key",
  consumerSecret: "SECRET-DO-NOT-PRINT-consumer-secret",
  accessToken: "1234567890-SECRET-DO-NOT-PRINT-access-token",
  accessTokenSecret: "SECRET-DO-NOT-PRINT-access-token-secret",
  oauth2Token: "SECRET-DO-NOT-PRINT-oauth2-token"
} as const

const envOf = (values: typeof secrets) => ({
  X_API_KEY: values.consumerKey,
  X_API_SECRET: values.consumerSecret,
  X_ACCESS_TOKEN: values.accessToken,
  X_ACCESS_TOKEN_SECRET: values.accessTokenSecret,
  X_OAUTH2_ACCESS_TOKEN: values.oauth2Token
})

const expectNoSecret = (run: { readonly stdout: string; readonly stderr: string }) => {
  for (const stream of [run.stdout, run.stderr]) {
    expect(stream).not.toContain("SECRET-DO-NOT-PRINT")
    expect(stream).not.toContain("DO-NOT-PRINT")
    expect(stream).not.toMatch(/oauth_signature=|Bearer /)
  }
}

describe.concurrent("no secret ever reaches stdout or stderr", () => {
  for (const json of [true, false]) {
    it.live(`on success (${json ? "--json" : "plain"})`, () =>
      Effect.gen(function*() {
        const x = yield* emulator({ credentials: secrets, processing: { enabled: false } })
        const run = yield* runCli(
          ["upload", samples.png, "--base-url", x.url, ...(json ? ["--json"] : [])],
          envOf(secrets)
        )
        expect(run.code).toBe(0)
        expectNoSecret(run)
      }))

    it.live(`on an authentication failure (${json ? "--json" : "plain"})`, () =>
      Effect.gen(function*() {
        // The emulator accepts other credentials: X answers 401 to every request.
        const x = yield* emulator()
        const run = yield* runCli(
          ["upload", samples.png, "--base-url", x.url, ...(json ? ["--json"] : [])],
          envOf(secrets)
        )
        expect(run.code).toBe(1)
        expectNoSecret(run)
        if (json) {
          expect(onlyJson(run.stdout)["error"]).toMatchObject({
            _tag: "AuthenticationFailed",
            step: "UPLOAD",
            status: 401
          })
        } else {
          expect(run.stderr).toMatch(/^Error: X refused the credentials with HTTP 401 on UPLOAD/m)
          expect(run.stderr).not.toContain("    at ")
        }
      }))
  }

  it.live("with an OAuth 2.0 token on v2 refused for a missing scope", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ credentials: secrets, oauth2Scopes: ["tweet.read"] })
      const run = yield* runCli(
        ["upload", samples.png, "--base-url", x.url, "--auth", "oauth2", "--json"],
        envOf(secrets)
      )
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({ _tag: "AuthenticationFailed", reason: "missing-scope" })
      expectNoSecret(run)
    }))

  it.live("OAuth 2.0 with --api v1 fails with AuthUnsupported before any request", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ credentials: secrets })
      const run = yield* runCli(
        ["upload", samples.png, "--base-url", x.url, "--api", "v1", "--json"],
        { X_OAUTH2_ACCESS_TOKEN: secrets.oauth2Token }
      )
      // A configuration error found before any request: exit 2, like a usage error.
      expect(run.code).toBe(2)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({ _tag: "AuthUnsupported", auth: "oauth2", dialect: "v1" })
      expect(run.stderr).toContain("OAuth 2.0 user tokens work only with the v2 media API")
      // The advice names the input the user chose the dialect with: the flag, not the variable it overrides.
      expect(run.stderr).toContain("(--api v2)")
      expect(run.stderr).not.toContain("X_MEDIA_API=v2")
      expect(x.requests()).toEqual([])
      expectNoSecret(run)
    }))

  it.live("missing credentials name the variables to set", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const run = yield* runCli(["upload", samples.png, "--base-url", x.url, "--json"], {
        X_API_KEY: secrets.consumerKey
      })
      expect(run.code).toBe(2)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({
        _tag: "MissingCredentials",
        missing: ["X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"]
      })
      expect(x.requests()).toEqual([])
      expectNoSecret(run)
    }))
})
