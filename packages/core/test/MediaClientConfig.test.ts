import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { optionsFromConfig } from "../src/MediaClient.ts"

const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

describe("MediaClient.optionsFromConfig", () => {
  it.effect("reads X_MEDIA_API and X_MEDIA_BASE_URL", () =>
    Effect.gen(function*() {
      const options = yield* optionsFromConfig().pipe(withEnv({ X_MEDIA_API: "v1", X_MEDIA_BASE_URL: "http://127.0.0.1:9" }))
      expect(options).toEqual({ dialect: "v1", baseUrl: "http://127.0.0.1:9" })
      expect(yield* optionsFromConfig().pipe(withEnv({}))).toEqual({})
    }))

  it.effect("an explicit value wins, and the variable it replaces is not even read", () =>
    Effect.gen(function*() {
      const options = yield* optionsFromConfig({ dialect: "v2", requestTimeout: "5 seconds" }).pipe(
        withEnv({ X_MEDIA_API: "v3", X_MEDIA_BASE_URL: "http://127.0.0.1:9" })
      )
      expect(options).toEqual({ dialect: "v2", requestTimeout: "5 seconds", baseUrl: "http://127.0.0.1:9" })
    }))

  it.effect("an undefined override does not hide the environment's value", () =>
    Effect.gen(function*() {
      const options = yield* optionsFromConfig({ dialect: undefined }).pipe(withEnv({ X_MEDIA_API: "v1" }))
      expect(options.dialect).toBe("v1")
    }))

  it.effect("a malformed X_MEDIA_API fails with InvalidOption naming it", () =>
    Effect.gen(function*() {
      const error = yield* optionsFromConfig().pipe(withEnv({ X_MEDIA_API: "v3" }), Effect.flip)
      expect(error).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_API", value: "v3" })
    }))
})
