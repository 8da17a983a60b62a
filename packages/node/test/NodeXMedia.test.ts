import { describe, expect, it } from "@effect/vitest"
import { Credentials, MediaClient, MediaSource, Upload } from "@x-media/core"
import type { RunningEmulator } from "@x-media/emulator"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Digest from "effect/crypto/Digest"
import { NodeXMedia } from "../src/index.ts"
import { emulator, samples } from "./support/Cli.ts"

const oauth1 = (x: RunningEmulator) =>
  Credentials.oauth1({
    consumerKey: x.credentials.consumerKey,
    consumerSecret: x.credentials.consumerSecret,
    accessToken: x.credentials.accessToken,
    accessTokenSecret: x.credentials.accessTokenSecret
  })

const withEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

const uploadPng = Upload.upload(MediaSource.fromFile(samples.png))

describe.concurrent("NodeXMedia", () => {
  for (const dialect of ["v1", "v2"] as const) {
    it.live(`layer: uploads a file over node:http with OAuth 1.0a (${dialect})`, () =>
      Effect.gen(function*() {
        const x = yield* emulator()
        const media = yield* uploadPng.pipe(
          Effect.provide(NodeXMedia.layer({ credentials: oauth1(x), dialect, baseUrl: x.url }))
        )
        expect(media).toMatchObject({ mediaType: "image/png", category: "tweet_image", state: "succeeded" })
        expect(x.media(media.mediaId)?.dialect).toBe(dialect)
      }))
  }

  it.live("layer: provides node:crypto's Digest (for the SHA-256 an upload takes of its file's head)", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const hex = yield* Digest.Digest.use((digest) => digest.digestHex(Digest.sha256, new TextEncoder().encode("abc")))
        .pipe(Effect.provide(NodeXMedia.layer({ credentials: oauth1(x), baseUrl: x.url })))
      expect(hex).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }))

  it.live("layer: OAuth 2.0 with v1 fails with AuthUnsupported when built, before any request", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const error = yield* uploadPng.pipe(
        Effect.provide(
          NodeXMedia.layer({
            credentials: Credentials.oauth2(x.credentials.oauth2Token),
            dialect: "v1",
            baseUrl: x.url
          })
        ),
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "AuthUnsupported", auth: "oauth2", dialect: "v1" })
      expect(x.requests()).toEqual([])
    }))

  it.live("layer: the emulator's plain credentials object is refused with a typed error, not a crash", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      // What a plain JavaScript caller can do: hand over an object of plain strings.
      const plain: unknown = x.credentials
      const error = yield* uploadPng.pipe(
        Effect.provide(NodeXMedia.layer({ credentials: plain as Credentials.Credentials, baseUrl: x.url })),
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "InvalidOption", option: "credentials" })
      expect(error.message).toContain("Credentials.oauth1")
      expect(error.message).not.toContain(x.credentials.consumerSecret)
      expect(x.requests()).toEqual([])
    }))

  it.live("layerConfig: credentials, X_MEDIA_API and X_MEDIA_BASE_URL from the environment", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const env = { X_OAUTH2_ACCESS_TOKEN: x.credentials.oauth2Token, X_MEDIA_API: "v2", X_MEDIA_BASE_URL: x.url }
      const media = yield* uploadPng.pipe(Effect.provide(NodeXMedia.layerConfig().pipe(Layer.provide(withEnv(env)))))
      expect(media.state).toBe("succeeded")
      expect(x.requests().every((r) => r.auth === "oauth2" && r.dialect === "v2")).toBe(true)
    }))

  it.live("layerConfig: explicit options win over the environment, and a variable they replace is not read", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const env = { X_MEDIA_API: "v3", X_MEDIA_BASE_URL: "http://127.0.0.1:9" }
      const client = yield* MediaClient.MediaClient.pipe(
        Effect.provide(
          NodeXMedia.layerConfig({ credentials: oauth1(x), dialect: "v1", baseUrl: x.url }).pipe(
            Layer.provide(withEnv(env))
          )
        )
      )
      expect({ dialect: client.dialect, baseUrl: client.baseUrl }).toEqual({ dialect: "v1", baseUrl: x.url })
      const media = yield* uploadPng.pipe(
        Effect.provide(
          NodeXMedia.layerConfig({ credentials: oauth1(x), dialect: "v1", baseUrl: x.url }).pipe(
            Layer.provide(withEnv(env))
          )
        )
      )
      expect(x.media(media.mediaId)?.dialect).toBe("v1")
    }))

  it.live("layerConfig: an explicit dialect ignores a bad X_MEDIA_API while X_MEDIA_BASE_URL is still read", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const env = { X_MEDIA_API: "v3", X_MEDIA_BASE_URL: x.url }
      const media = yield* uploadPng.pipe(
        Effect.provide(
          NodeXMedia.layerConfig({ credentials: oauth1(x), dialect: "v1" }).pipe(Layer.provide(withEnv(env)))
        )
      )
      expect(x.media(media.mediaId)?.dialect).toBe("v1")
      const badUrl = yield* MediaClient.MediaClient.pipe(
        Effect.provide(
          NodeXMedia.layerConfig({ credentials: oauth1(x) }).pipe(Layer.provide(withEnv({ X_MEDIA_BASE_URL: "x" })))
        ),
        Effect.flip
      )
      expect(badUrl).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_BASE_URL" })
    }))

  it.effect("layerConfig: a bad X_MEDIA_API or missing credentials fail when built", () =>
    Effect.gen(function*() {
      const badApi = yield* MediaClient.MediaClient.pipe(
        Effect.provide(
          NodeXMedia.layerConfig({ credentials: Credentials.oauth2("t") }).pipe(
            Layer.provide(withEnv({ X_MEDIA_API: "v3" }))
          )
        ),
        Effect.flip
      )
      expect(badApi).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_API", value: "v3" })
      const missing = yield* MediaClient.MediaClient.pipe(
        Effect.provide(NodeXMedia.layerConfig().pipe(Layer.provide(withEnv({ X_API_KEY: "k" })))),
        Effect.flip
      )
      expect(missing).toMatchObject({
        _tag: "MissingCredentials",
        missing: ["X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"]
      })
      const oauth2OnV1 = yield* MediaClient.MediaClient.pipe(
        Effect.provide(
          NodeXMedia.layerConfig().pipe(Layer.provide(withEnv({ X_OAUTH2_ACCESS_TOKEN: "t", X_MEDIA_API: "v1" })))
        ),
        Effect.flip
      )
      expect(oauth2OnV1).toMatchObject({ _tag: "AuthUnsupported" })
    }))
})
