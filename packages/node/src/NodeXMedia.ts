/**
 * The layer a Node application provides once to upload media with `@x-media/core`: a `MediaClient`
 * speaking the chosen dialect, on an `XClient` (the private client that signs every request with
 * the credentials) over node:http with a keep-alive agent (`NodeHttpClient.layerNodeHttpOptions`),
 * and the Node `FileSystem` that `MediaSource.fromFile` reads.
 *
 * ```ts
 * import { NodeXMedia } from "@x-media/node"
 * import { MediaSource, Upload } from "@x-media/core"
 *
 * const program = Upload.upload(MediaSource.fromFile("cat.png"))
 * // credentials, X_MEDIA_API and X_MEDIA_BASE_URL from the environment:
 * program.pipe(Effect.provide(NodeXMedia.layerConfig()))
 * ```
 *
 * Both layers check everything before the first request: an OAuth 2.0 token with the v1 dialect
 * fails with `AuthUnsupported`, a malformed base URL with `InvalidOption`, and (for `layerConfig`)
 * missing credentials with `MissingCredentials`.
 *
 * @module
 */
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { type Credentials, type Errors, MediaClient, XClient, XMediaConfig } from "@x-media/core"
import * as Config from "effect/Config"
import type * as Digest from "effect/crypto/Digest"
import type * as FileSystem from "effect/FileSystem"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"

/**
 * What the layers provide: the upload client, the authenticated client to X it is built on (for
 * other X requests), the file system that file sources read from, and node:crypto's `Digest` for
 * the SHA-256 an upload takes of its file's head (without it, core falls back to Web Crypto, whose
 * first use costs a process that uploads once several ms of loading).
 */
export type NodeXMedia = MediaClient.MediaClient | XClient.XClient | FileSystem.FileSystem | Digest.Digest

/** Options of {@link layer}: the `XClient` options (credentials required, everything else optional). */
export interface Options extends XClient.Options {}

/**
 * Options of {@link layerConfig}: anything given here wins over the environment; anything left out
 * (or `undefined`) is read from it.
 */
export interface ConfigOptions extends Partial<XClient.Options> {
  /** Which scheme wins when the environment holds both (default `oauth1`, see `XMediaConfig.credentialsWith`). */
  readonly prefer?: Credentials.Scheme | undefined
}

/** Everything building a layer can fail with; each happens before any request. */
export type LayerError = Errors.AuthUnsupported | Errors.InvalidOption

/**
 * A `MediaClient` and a `FileSystem` for Node, from explicit options only (the environment is not
 * read). Fails when built, before any request, with `AuthUnsupported` for OAuth 2.0 with `v1`, or
 * `InvalidOption` for a malformed base URL or timeout.
 */
export const layer = (options: Options): Layer.Layer<NodeXMedia, LayerError> => withXClient(XClient.layer(options))

/**
 * The transport: node:http with a keep-alive agent. It writes a request body's pieces to the socket
 * as they are pulled, where undici's client first turns the body into a Node Readable; and undici
 * is not loaded at all, which a CLI that uploads once pays for at every start (bench/RESULTS.md).
 */
const transport = NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })

/** MediaClient on the given XClient layer, over node:http, with Node's file system. */
const withXClient = <E>(
  xClient: Layer.Layer<XClient.XClient, E, HttpClient.HttpClient>
): Layer.Layer<NodeXMedia, E> =>
  Layer.merge(
    MediaClient.layer.pipe(
      Layer.provideMerge(xClient),
      // node:http for HTTP; node:crypto for the OAuth 1.0a HMAC (synchronous, unlike Web Crypto).
      Layer.provide(Layer.merge(transport, NodeCrypto.layerMac))
    ),
    Layer.merge(NodeFileSystem.layer, NodeCrypto.layerDigest)
  )

/** A fixed value when given, else the Config: a variable an explicit value replaces is not read. */
const orConfig = <A>(value: A | undefined, config: Config.Config<A>): Config.Config<A> =>
  value === undefined ? config : Config.succeed(value)

/**
 * Like {@link layer}, with whatever `options` leaves out read from the environment through core's
 * `XMediaConfig`: the credentials (`X_API_KEY`, `X_API_SECRET`, `X_ACCESS_TOKEN`,
 * `X_ACCESS_TOKEN_SECRET`, or `X_OAUTH2_ACCESS_TOKEN`), the dialect (`X_MEDIA_API`, default v2) and
 * the base URL (`X_MEDIA_BASE_URL`). Explicit options win, and the variable an option replaces is
 * not read. Fails when built, before any request, with `MissingCredentials`, `AuthUnsupported` or
 * `InvalidOption`.
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<NodeXMedia, LayerError | Errors.MissingCredentials> => {
  const { baseUrl, credentials, dialect, prefer, ...rest } = options
  const xClient = XClient.layerConfig({
    ...definedFields(rest),
    credentials: orConfig(credentials, XMediaConfig.credentialsWith({ prefer })),
    dialect: orConfig(dialect, XMediaConfig.dialect),
    baseUrl: orConfig(baseUrl, XMediaConfig.optionalBaseUrl)
  })
  return withXClient(xClient)
}

/** Keeps only the options that are set, each as a fixed Config. */
const definedFields = (options: Omit<ConfigOptions, "baseUrl" | "credentials" | "dialect" | "prefer">) => {
  const { budget, idleTimeout, retry } = options
  return {
    ...(idleTimeout === undefined ? {} : { idleTimeout: Config.succeed(idleTimeout) }),
    ...(retry === undefined ? {} : { retry: Config.succeed(retry) }),
    ...(budget === undefined ? {} : { budget: Config.succeed(budget) })
  }
}
