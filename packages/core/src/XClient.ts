/**
 * A private, authenticated client to X: the one place where credentials meet HTTP.
 *
 * `make` builds its own client from the `HttpClient` in the context, in the way effect's
 * `OpenAiClient.make` does: the base URL is prepended and every request is authorized (an OAuth 1.0a
 * signature, or an OAuth 2.0 Bearer token) on that private client only. The context's `HttpClient`
 * is never replaced, so no other service of the application (a tracer exporting spans, a webhook
 * client) can send X credentials anywhere.
 *
 * Every request goes through the same policy: its turn in the `RateBudget` (the one in the context,
 * else one of the client's own), retries of transient failures, X's rate limits, a time limit, and
 * the mapping of every answer to a typed error. `MediaClient` is built on it, and
 * so is anything else that talks to X (posts, subtitles, metadata): use {@link XClientShape.execute}
 * or {@link XClientShape.executeJson}.
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Mac from "effect/crypto/Mac"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { authorize, ensureSupported } from "./Auth.ts"
import {
  type Credentials,
  type Scheme,
  scheme as schemeOf,
  userOf,
  validate as validateCredentials
} from "./Credentials.ts"
import { defaultBaseUrl, defaultDialect, type Dialect } from "./Dialect.ts"
import {
  type AuthUnsupported,
  InvalidOption,
  type MissingCredentials,
  type UploadStep,
  type XRequestError
} from "./Errors.ts"
import * as BaseUrl from "./internal/BaseUrl.ts"
import { type Answer, decodeAnswer, exchange, makeLinkSpeed } from "./internal/Exchange.ts"
import * as RequestPolicy from "./internal/RequestPolicy.ts"
import { fnWhileTracing } from "./internal/Tracing.ts"
import { defaultLimits, type EndpointGroup, makeMemory, MediaGroups, RateBudget } from "./RateBudget.ts"
import { load } from "./XMediaConfig.ts"

/**
 * How requests are retried and rate limits waited out. Every field is optional:
 *
 * - `maxAttempts`: tries per request, the first included (default 5); 1 turns retries off.
 * - `baseDelay`: the first backoff delay (default 500 ms); it doubles per attempt, with jitter.
 * - `maxDelay`: the longest backoff delay (default 20 s).
 * - `maxRateLimitWait`: the longest wait for a rate-limit window to reset or a pause X asked for
 *   (429, `Retry-After`) to end (default 15 minutes), each time the request waits; a longer one
 *   fails at once: a 429 with `RateLimited`, a 503 with its `XApiError` (which says when).
 *
 * @since 0.2.0
 * @category models
 */
export type RetryOptions = RequestPolicy.RetryOptions

/**
 * The client-side limits per 15 minutes, by endpoint group (`media.append`, …) or by step
 * (`APPEND`, …): X's per-user limits by default (`RateBudget.defaultLimits`), other numbers, or
 * `false` for no client-side count (X's headers, 429s and `Retry-After` are still honoured).
 *
 * @since 0.2.0
 * @category models
 */
export type BudgetOptions = false | Readonly<Partial<Record<EndpointGroup | UploadStep, number>>>

/**
 * How an {@link XClient} talks to X.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** OAuth 1.0a user credentials (both dialects) or an OAuth 2.0 user token (v2 only). */
  readonly credentials: Credentials
  /** The media API's dialect: `v2` (default, api.x.com) or `v1` (upload.twitter.com/1.1). */
  readonly dialect?: Dialect | undefined
  /**
   * scheme://host[:port] that replaces every X host (the media host and api.x.com), for an
   * emulator or a proxy. Without it, media requests go to the dialect's host and every other
   * request (posts) to https://api.x.com.
   */
  readonly baseUrl?: string | undefined
  /**
   * How long a request may go without progress (default 60 s): no byte of its body moved, or no
   * answer after the body was sent. It then fails with NetworkError (`timedOut`). A slow link that
   * keeps moving is never cut off, however long the request takes. An idle timeout is not retried:
   * the request already waited that long without progress, and a silent server or a dead link
   * would make every retry wait as long again; an upload then fails after one idle time, and its
   * saved session resumes it. (Once a host has answered a body at 16 MiB/s or faster, its next bodies
   * go to the socket whole; a link that then drops below what moves one in the idle time within a
   * single request is cut off, and an upload sends that APPEND again, in pieces and at a slower pace.)
   */
  readonly idleTimeout?: Duration.Input | undefined
  /** Retries of transient failures and waiting out rate limits. */
  readonly retry?: RetryOptions | undefined
  /** The client-side rate budget per step (X's per-user limits by default; `false` for none). */
  readonly budget?: BudgetOptions | undefined
  /**
   * The input that chose the dialect (a flag such as `--api`, a variable such as `X_MEDIA_API`),
   * named in `AuthUnsupported`'s advice so that following it changes the right setting.
   */
  readonly dialectChosenBy?: string | undefined
}

/**
 * The hosts requests go to: `media` for the media upload endpoints of the dialect, `api` for
 * everything else (posts). Both are the base URL when one is set.
 *
 * @since 0.2.0
 * @category models
 */
export interface Hosts {
  readonly media: string
  readonly api: string
}

/**
 * One request to X, described for {@link XClientShape.execute}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Request {
  /** The step it belongs to, named in errors, progress events and spans. */
  readonly step: UploadStep
  /**
   * The endpoint group X counts it against (its rate limit); the media steps' own group
   * (`RateBudget.MediaGroups[step]`) when absent.
   */
  readonly group?: EndpointGroup | undefined
  /** A short name of the endpoint for errors, e.g. `POST /2/media/upload/{id}/append`. */
  readonly endpoint: string
  /**
   * The request, its URL relative to the host (`/2/tweets`), with its method, URL parameters and
   * body. Do not set an `Authorization` header: the client authorizes every request itself.
   */
  readonly request: HttpClientRequest.HttpClientRequest
  /** Which host it goes to (default `api`, https://api.x.com). */
  readonly host?: keyof Hosts | undefined
  /** The media it concerns, named in errors. */
  readonly mediaId?: string | undefined
  /** The APPEND segment it carries, named in errors. */
  readonly segmentIndex?: number | undefined
  /** The media's known expiry: a 4xx after it is reported as MediaExpired. */
  readonly expiresAt?: Date | undefined
  /**
   * `false` for a request that must never be sent twice (creating a post: a second one would post
   * again): a failure without a clear answer (no answer, an idle timeout, a 5xx) is not retried.
   * A 429 is still waited out, as X did not act on it. Default `true`.
   */
  readonly idempotent?: boolean | undefined
  /**
   * The longest this request may wait for its rate limit (the client's `retry.maxRateLimitWait` when
   * absent). `Duration.zero` never waits: a used-up window fails at once with `RateLimited`, for a
   * caller that has another way (the one-shot upload falls back to the chunked endpoints).
   */
  readonly maxRateLimitWait?: Duration.Duration | undefined
  /**
   * The OAuth 2.0 scope the endpoint needs (`tweet.write` to post; `media.write` when absent),
   * named in the advice when X refuses the token for a missing scope.
   */
  readonly scope?: string | undefined
}

/**
 * A 2xx answer from X, read whole.
 *
 * @since 0.2.0
 * @category models
 */
export type { Answer }

/**
 * The operations of {@link XClient}.
 *
 * @since 0.2.0
 * @category models
 */
export interface XClientShape {
  /** The media API's dialect. */
  readonly dialect: Dialect
  /** The host media requests go to (scheme://host[:port]); an upload session belongs to it. */
  readonly baseUrl: string
  /** Every host this client talks to. */
  readonly hosts: Hosts
  /** The authentication scheme of the credentials (`oauth1` or `oauth2`); never a secret. */
  readonly scheme: Scheme
  /** The user the credentials act for, as the rate budget keys it (`Credentials.userOf`); never a secret. */
  readonly user: string
  /** How long a request may go without progress before it fails with NetworkError (`timedOut`). */
  readonly idleTimeout: Duration.Duration
  /**
   * Sends one request to X, authorized with the client's credentials, under the client's policy:
   * transient failures (no answer, 5xx, 408) are retried with backoff, X's rate limits are waited
   * out up to a maximum, and each request must complete in time.
   *
   * Succeeds with the 2xx answer. Fails with `NetworkError` (no answer), `RateLimited` (429 with a
   * reset beyond the maximum wait), `AuthenticationFailed` (401/403), `MediaExpired`, or
   * `XApiError` (any other error status). Interrupting it aborts the request.
   */
  readonly execute: (request: Request) => Effect.Effect<Answer, XRequestError>
  /**
   * {@link execute}, then decodes the answer's JSON with `schema`. An answer that is not JSON or
   * does not match fails with `MalformedResponse` (with the status and a body excerpt).
   */
  readonly executeJson: <A, I, RD>(
    request: Request,
    schema: Schema.Codec<A, I, RD>
  ) => Effect.Effect<A, XRequestError, RD>
}

/**
 * The private, authenticated client to X. Requires an `HttpClient` (the transport) when built;
 * provides nothing else: the context's `HttpClient` stays as it was.
 *
 * @since 0.2.0
 * @category services
 */
export class XClient extends Context.Service<XClient, XClientShape>()("@x-media/core/XClient") {}

/**
 * The host of the v2 API and of everything that is not media upload (posts).
 *
 * @since 0.2.0
 * @category constants
 */
export const apiBaseUrl = "https://api.x.com"

/**
 * Default idle timeout of a request: how long it may go without progress.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultIdleTimeout = Duration.seconds(60)

/**
 * Checks a base URL: http(s), no path, query or credentials. Returns it as scheme://host[:port].
 * Fails with `InvalidOption` (option "base URL").
 *
 * @since 0.2.0
 * @category validation
 */
export const validateBaseUrl: (raw: string) => Effect.Effect<string, InvalidOption> = BaseUrl.validate

/**
 * The hosts for a dialect and an optional base URL (already checked): the base URL replaces both.
 *
 * @since 0.2.0
 * @category constructors
 */
export const hostsFor = (dialect: Dialect, baseUrl: string | undefined): Hosts =>
  baseUrl === undefined ? { media: defaultBaseUrl[dialect], api: apiBaseUrl } : { media: baseUrl, api: baseUrl }

/**
 * Builds the client from the `HttpClient` in the context. Fails, before any request, with
 * `AuthUnsupported` for an OAuth 2.0 token with `v1`, and with `InvalidOption` for credentials
 * that were not built with `Credentials.oauth1`/`oauth2` (or hold an empty secret), a malformed
 * base URL or idle timeout.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: (
  options: Options
) => Effect.Effect<XClientShape, AuthUnsupported | InvalidOption, HttpClient.HttpClient> = Effect.fnUntraced(
  function*(options: Options) {
    const dialect = options.dialect ?? defaultDialect
    // Plain JavaScript may hand over anything: check it here rather than crash while signing.
    const credentials = yield* validateCredentials(options.credentials)
    yield* ensureSupported(credentials, dialect, options.dialectChosenBy)
    const baseUrl = options.baseUrl === undefined ? undefined : yield* validateBaseUrl(options.baseUrl)
    const hosts = hostsFor(dialect, baseUrl)
    const idleTimeout = Duration.fromInput(options.idleTimeout ?? defaultIdleTimeout)
    if (Option.isNone(idleTimeout) || !(Duration.toMillis(idleTimeout.value) > 0)) {
      return yield* new InvalidOption({
        option: "idle timeout",
        value: String(options.idleTimeout),
        detail: "must be a positive duration"
      })
    }
    const transport = yield* HttpClient.HttpClient
    // The base URL first, the credentials last: the signature covers the final URL, and as the
    // signing step is part of the request effect, every execution (every retry) is signed anew,
    // with a fresh nonce and timestamp.
    // A Mac in the context (NodeCrypto.layerMac on Node: synchronous HMAC) is used for signing.
    const mac = yield* Effect.serviceOption(Mac.Mac)
    const authorizeRequest = Option.match(mac, {
      onNone: () => authorize(credentials),
      onSome: (service) => (request: HttpClientRequest.HttpClientRequest) =>
        Effect.provideService(authorize(credentials)(request), Mac.Mac, service)
    })
    const clientFor = (host: string) =>
      transport.pipe(
        HttpClient.mapRequest(HttpClientRequest.prependUrl(host)),
        HttpClient.mapRequestEffect(authorizeRequest),
        // X is not part of the application's trace: its spans stay, but no `traceparent` or `b3` header
        // tells X their ids.
        HttpClient.transform((response) => Effect.provideService(response, HttpClient.TracerPropagationEnabled, false))
      )
    const media = clientFor(hosts.media)
    const clients: Record<keyof Hosts, HttpClient.HttpClient> = {
      media,
      api: hosts.api === hosts.media ? media : clientFor(hosts.api)
    }
    // How fast each host's link last moved a body: on a fast one, bodies go to the socket whole.
    const mediaSpeed = makeLinkSpeed()
    const speeds = { media: mediaSpeed, api: hosts.api === hosts.media ? mediaSpeed : makeLinkSpeed() }
    // The budget in the context (a fleet's shared one), else one of this client's own.
    const budget = yield* Effect.serviceOption(RateBudget).pipe(
      Effect.flatMap(Option.match({ onSome: Effect.succeed, onNone: () => makeMemory }))
    )
    const policy = RequestPolicy.make(options.retry ?? {}, budget)
    const scheme = schemeOf(credentials)
    const user = yield* userOf(credentials)
    const limitOf = (group: EndpointGroup, step: UploadStep): number => {
      const budgetOptions = options.budget
      if (budgetOptions === false) return Infinity
      return budgetOptions?.[group] ?? budgetOptions?.[step] ?? defaultLimits[group] ?? Infinity
    }

    const executeBody = function*(request: Request) {
      const group = request.group ?? MediaGroups[request.step]
      yield* Effect.annotateCurrentSpan({
        "x-media.step": request.step,
        "x-media.endpoint": request.endpoint,
        "x-media.group": group,
        ...(request.mediaId === undefined ? {} : { "x-media.media_id": request.mediaId }),
        ...(request.segmentIndex === undefined ? {} : { "x-media.segment_index": request.segmentIndex })
      })
      const host = request.host ?? "api"
      const ctx = {
        step: request.step,
        endpoint: request.endpoint,
        dialect,
        scheme,
        host: hosts[host],
        hostIsOverride: baseUrl !== undefined,
        mediaId: request.mediaId,
        segmentIndex: request.segmentIndex,
        expiresAt: request.expiresAt,
        scope: request.scope
      }
      return yield* policy.run(
        {
          step: request.step,
          endpoint: request.endpoint,
          segmentIndex: request.segmentIndex,
          key: { user, group },
          limit: limitOf(group, request.step),
          idempotent: request.idempotent ?? true,
          maxRateLimitWait: request.maxRateLimitWait
        },
        exchange(clients[host], request.request, ctx, idleTimeout.value, speeds[host])
      )
    }
    // Once per request: its span only while tracing is on (internal/Tracing).
    const execute = fnWhileTracing(Effect.fn("x-media/XClient.execute")(executeBody), Effect.fnUntraced(executeBody))

    const executeJson = <A, I, RD>(request: Request, schema: Schema.Codec<A, I, RD>) => {
      const decode = Schema.decodeUnknownEffect(schema)
      return Effect.flatMap(execute(request), (answer) => decodeAnswer(answer, request, decode))
    }

    return XClient.of({
      dialect,
      baseUrl: hosts.media,
      hosts,
      scheme,
      user,
      idleTimeout: idleTimeout.value,
      execute,
      executeJson
    })
  }
)

/**
 * An {@link XClient} layer with the given options. Fails when built, before any request, with
 * `AuthUnsupported` or `InvalidOption` (see {@link make}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<XClient, AuthUnsupported | InvalidOption, HttpClient.HttpClient> =>
  Layer.effect(XClient, make(options))

/**
 * An {@link XClient} layer configured through effect's `Config`, in the way of effect's
 * `RateLimiter.layerStoreRedisConfig`: each option is a `Config` (or the whole options are one).
 * `XMediaConfig.options` reads the standard environment (credentials, `X_MEDIA_API`,
 * `X_MEDIA_BASE_URL`); replace any field with your own Config:
 *
 * ```ts
 * XClient.layerConfig(XMediaConfig.options)
 * XClient.layerConfig({ ...XMediaConfig.options, baseUrl: Config.succeed("http://127.0.0.1:8080") })
 * ```
 *
 * Fails when built, before any request, with `MissingCredentials`, `InvalidOption` (naming the
 * variable of a bad value) or `AuthUnsupported`. A field given as `Config.succeed` is not read
 * from the environment, so a malformed variable it replaces cannot block it.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Wrap<Options>
): Layer.Layer<XClient, AuthUnsupported | InvalidOption | MissingCredentials, HttpClient.HttpClient> =>
  Layer.effect(XClient, Effect.flatMap(load(Config.unwrap(options)), make))
