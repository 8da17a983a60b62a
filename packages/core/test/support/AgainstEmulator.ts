/**
 * Runs the real client against the emulator over HTTP on 127.0.0.1: node:http with keep-alive (the
 * transport of @x-media/node's `NodeXMedia`) or undici, real OAuth 1.0a signing (or an OAuth 2.0
 * token), and Node's file system for file sources.
 */
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Emulator, type EmulatorOptions } from "@x-media/emulator"
import { Effect, Layer } from "effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Credentials from "../../src/Credentials.ts"
import type { Dialect } from "../../src/Dialect.ts"
import * as Client from "../../src/MediaClient.ts"
import * as XClient from "../../src/XClient.ts"

/** Which credentials the client signs with. */
export type Scheme = "oauth1" | "oauth2"

/**
 * The transports the client is tested over where the transport decides the outcome (idle
 * timeouts, aborts, slow links): node:http with a keep-alive agent, as `NodeXMedia` provides, and
 * undici, which an application may provide instead.
 */
export const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })],
  ["undici", NodeHttpClient.layerUndici]
]

/** A MediaClient (and FileSystem) layer talking to the emulator in the context. */
export const clientLayer = (
  dialect: Dialect,
  scheme: Scheme = "oauth1",
  options: Omit<XClient.Options, "credentials" | "dialect"> = {},
  transport: Layer.Layer<HttpClient.HttpClient> = transports[0]![1]
) =>
  Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* Emulator
    const c = emulator.credentials
    const credentials = scheme === "oauth1"
      ? Credentials.oauth1({
        consumerKey: c.consumerKey,
        consumerSecret: c.consumerSecret,
        accessToken: c.accessToken,
        accessTokenSecret: c.accessTokenSecret
      })
      : Credentials.oauth2(c.oauth2Token)
    return Client.layer.pipe(
      Layer.provideMerge(XClient.layer({ credentials, dialect, baseUrl: emulator.url, ...options })),
      Layer.provide(transport)
    )
  })).pipe(Layer.merge(NodeFileSystem.layer))

/** An emulator for one test file, with small limits where a test needs them. */
export const emulatorLayer = (options: EmulatorOptions = {}) => Emulator.layer(options)

export { Emulator }
