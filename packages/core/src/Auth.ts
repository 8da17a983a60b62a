/**
 * Authentication as pure functions on requests: OAuth 1.0a signing (HMAC-SHA1, as X expects it) or
 * an OAuth 2.0 user Bearer token, the check that the scheme fits the dialect, and the reading of
 * X's 401/403 answers into a reason and a hint. `XClient` applies them to its own private client.
 *
 * The nonce comes from the {@link Nonce} reference and the timestamp from effect's `Clock`, so tests
 * fix both (`Effect.provideService(Auth.Nonce, …)`, `TestClock.setTime`). Secrets are unwrapped from
 * `Redacted` only to compute a signature or to set the header; they never reach an error or a log.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as SecureRandom from "effect/crypto/SecureRandom"
import * as Effect from "effect/Effect"
import * as Base64 from "effect/encoding/Base64"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Url from "effect/http/Url"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type { Credentials, OAuth1Credentials, OAuth2Credentials, Scheme } from "./Credentials.ts"
import type { Dialect } from "./Dialect.ts"
import type { ApiErrorDetail, AuthFailureReason } from "./Errors.ts"
import { AuthUnsupported } from "./Errors.ts"
import * as OAuth1 from "./OAuth1.ts"

// -----------------------------------------------------------------------------
// Nonce and timestamp
// -----------------------------------------------------------------------------

/**
 * Makes the `oauth_nonce` of each signed request.
 *
 * @since 0.2.0
 * @category models
 */
export interface NonceGenerator {
  /** A new nonce; run once per signed request (and per retry). */
  readonly next: Effect.Effect<string>
}

/**
 * X's nonce recipe: 32 random bytes from `globalThis.crypto`, base64-encoded, with every non-word
 * character removed (about 42 characters of `[A-Za-z0-9]`). A fresh value on every run.
 *
 * @since 0.2.0
 * @category nonces
 */
export const randomNonce: Effect.Effect<string> = Effect.sync(() =>
  Base64.encode(SecureRandom.randomBytesUnsafe(32)).replace(/\W/g, "")
)

/**
 * Where signing takes its nonces from. Defaults to {@link randomNonce}; replace it in tests to get
 * reproducible signatures: `Effect.provideService(Auth.Nonce, { next: Effect.succeed("abc") })`
 * or the {@link fixedNonce} layer.
 *
 * @since 0.2.0
 * @category references
 */
export const Nonce: Context.Reference<NonceGenerator> = Context.Reference<NonceGenerator>(
  "@x-media/core/Auth/Nonce",
  { defaultValue: () => ({ next: randomNonce }) }
)

/**
 * A layer that makes every signature use `nonce`. For tests and reproducing a signature only.
 *
 * @since 0.2.0
 * @category nonces
 */
export const fixedNonce = (nonce: string): Layer.Layer<never> => Layer.succeed(Nonce, { next: Effect.succeed(nonce) })

/**
 * The `oauth_timestamp`: whole Unix seconds from effect's `Clock` (so `TestClock` controls it).
 * X rejects timestamps too far from its own clock with code 135.
 *
 * @since 0.2.0
 * @category signing
 */
export const timestamp: Effect.Effect<number> = Effect.map(
  Clock.currentTimeMillis,
  (millis) => Math.floor(millis / 1000)
)

// -----------------------------------------------------------------------------
// Signing one request
// -----------------------------------------------------------------------------

const formContentType = "application/x-www-form-urlencoded"
const utf8 = new TextDecoder()

const isFormContentType = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(";")[0]?.trim().toLowerCase() === formContentType

/**
 * The body parameters that OAuth 1.0a signs for a request (RFC 5849 §3.4.1.3.1): the decoded fields
 * of a single-part `application/x-www-form-urlencoded` body (as made by
 * `HttpClientRequest.bodyUrlParams`, or a text/bytes/`URLSearchParams` body with that content type),
 * and nothing for any other body: multipart (`bodyFormData`), JSON, binary, streams, or no body.
 * The `Content-Type` header decides, falling back to the body's own content type.
 *
 * A urlencoded body given as a stream cannot be read without consuming it and is not signed; X then
 * answers code 32. Never fails.
 *
 * @since 0.2.0
 * @category signing
 */
export const signedBodyParameters = (
  request: HttpClientRequest.HttpClientRequest
): ReadonlyArray<OAuth1.Parameter> => {
  const body = request.body
  const contentType = request.headers["content-type"] ??
    (body._tag === "Uint8Array" || body._tag === "Raw" ? body.contentType : undefined)
  if (!isFormContentType(contentType)) return []
  switch (body._tag) {
    case "Uint8Array":
      return OAuth1.decodeForm(body.text ?? utf8.decode(body.body))
    case "Raw": {
      const raw = body.body
      if (typeof raw === "string") return OAuth1.decodeForm(raw)
      if (raw instanceof URLSearchParams) return Array.from(raw)
      if (raw instanceof Uint8Array) return OAuth1.decodeForm(utf8.decode(raw))
      return []
    }
    default:
      return []
  }
}

/**
 * Signs one request with OAuth 1.0a and sets its `Authorization` header. Signs the method, the URL
 * exactly as it will be sent (`request.url` with `request.urlParams` appended), the form body
 * parameters of {@link signedBodyParameters}, and the `oauth_*` parameters with a nonce from
 * {@link Nonce} and a timestamp from the `Clock`.
 *
 * `XClient` signs every request it sends with this, after the base URL is prepended.
 * Never fails: a request whose URL cannot be built is passed on unsigned, and the client then fails
 * with its own `InvalidUrlError`.
 *
 * @since 0.2.0
 * @category signing
 */
export const signOAuth1 = (
  credentials: OAuth1Credentials
) =>
(request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientRequest.HttpClientRequest> =>
  Effect.gen(function*() {
    const url = Url.make(request.url, request.urlParams, undefined)
    if (Result.isFailure(url)) return request
    const generator = yield* Nonce
    const input: OAuth1.SignatureInput = {
      method: request.method,
      url: url.success,
      parameters: signedBodyParameters(request),
      consumerKey: Redacted.value(credentials.consumerKey),
      consumerSecret: Redacted.value(credentials.consumerSecret),
      token: Redacted.value(credentials.accessToken),
      tokenSecret: Redacted.value(credentials.accessTokenSecret),
      nonce: yield* generator.next,
      timestamp: yield* timestamp
    }
    const signature = yield* OAuth1.signature(input)
    return HttpClientRequest.setHeader(request, "authorization", OAuth1.authorizationHeader(input, signature))
  })

/**
 * Sets `Authorization: Bearer <token>` on one request. Never fails.
 *
 * @since 0.2.0
 * @category signing
 */
export const bearer = (
  credentials: OAuth2Credentials
) =>
(request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.setHeader(request, "authorization", `Bearer ${Redacted.value(credentials.accessToken)}`)

/**
 * Authorizes one request with the given credentials: {@link signOAuth1} for OAuth 1.0a,
 * {@link bearer} for OAuth 2.0. Never fails.
 *
 * @since 0.2.0
 * @category signing
 */
export const authorize = (
  credentials: Credentials
): (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientRequest.HttpClientRequest> =>
  credentials._tag === "OAuth1" ? signOAuth1(credentials) : (request) => Effect.succeed(bearer(credentials)(request))

// -----------------------------------------------------------------------------
// Checks
// -----------------------------------------------------------------------------

/**
 * How to choose the v2 dialect through `chosenBy`, the input that chose v1: `--api v2` for a flag,
 * `X_MEDIA_API=v2` for an environment variable, `dialect: "v2"` for anything else.
 */
const chooseV2 = (chosenBy: string | undefined): string =>
  chosenBy === undefined
    ? "the v2 dialect"
    : chosenBy.startsWith("-")
    ? `the v2 dialect (${chosenBy} v2)`
    : /^[A-Z0-9_]+$/.test(chosenBy)
    ? `the v2 dialect (${chosenBy}=v2)`
    : `the v2 dialect (${chosenBy}: "v2")`

/**
 * Fails with `AuthUnsupported` when the credentials cannot work with the dialect: an OAuth 2.0 user
 * token with `v1` (upload.twitter.com/1.1 accepts only OAuth 1.0a). Succeeds otherwise. Run it before
 * the first request so the user gets the reason instead of X's bare 403. `chosenBy` names the input
 * that chose the dialect (`--api`, `X_MEDIA_API`, `dialect`), so the advice says how to change it.
 *
 * @since 0.2.0
 * @category validation
 */
export const ensureSupported = (
  credentials: Credentials,
  dialect: Dialect,
  chosenBy?: string | undefined
): Effect.Effect<void, AuthUnsupported> =>
  credentials._tag === "OAuth2" && dialect === "v1"
    ? Effect.fail(
      new AuthUnsupported({
        auth: "oauth2",
        dialect: "v1",
        ...(chosenBy === undefined ? {} : { chosenBy }),
        detail: "OAuth 2.0 user tokens work only with the v2 media API (api.x.com); the v1.1 API " +
          "(upload.twitter.com) accepts only OAuth 1.0a. Use OAuth 1.0a credentials (X_API_KEY, X_API_SECRET, " +
          `X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) for v1, or switch to ${chooseV2(chosenBy)}.`
      })
    )
    : Effect.void

// -----------------------------------------------------------------------------
// Reading X's 401 / 403
// -----------------------------------------------------------------------------

/**
 * What is known about a 401/403 answer from X, for {@link classifyAuthFailure}.
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthFailureInput {
  /** The HTTP status (401 or 403). */
  readonly status: number
  /** X's error entries, from whichever envelope it used. */
  readonly errors: ReadonlyArray<ApiErrorDetail>
  /** The dialect the request was made with. */
  readonly dialect: Dialect
  /** The scheme the request was authorized with, when known. */
  readonly scheme?: Scheme | undefined
  /** The response body text (or the Problem's title/detail/type), searched for scope hints. */
  readonly bodyText?: string | undefined
  /** The OAuth 2.0 scope the endpoint needs, when it is not `media.write` (`tweet.write` to post). */
  readonly requiredScope?: string | undefined
}

/**
 * The reason X refused the credentials and what the user should do about it.
 *
 * @since 0.2.0
 * @category models
 */
export interface AuthFailureClassification {
  readonly reason: AuthFailureReason
  readonly hint: string
}

const hints = {
  oauth2OnV1: "OAuth 2.0 user tokens are accepted only by the v2 media API. Use OAuth 1.0a credentials " +
    "(X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) for v1, or switch to the v2 dialect.",
  badSignature: "X could not verify the OAuth 1.0a signature. Check the four OAuth 1.0a secrets " +
    "(X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET): all four must belong to the same app, " +
    "with no stray spaces. Also check that nothing (a proxy, a base URL set with X_MEDIA_BASE_URL or --base-url) altered the request after signing.",
  oauth2NotAuthenticated: "X could not authenticate the OAuth 2.0 token. Check X_OAUTH2_ACCESS_TOKEN; it may be " +
    "expired (they last 2 hours): refresh it or re-authorize.",
  clockSkew: "X rejected the OAuth timestamp as out of bounds: the system clock is off. Sync it (NTP, e.g. " +
    "`timedatectl set-ntp true` or your OS's automatic time setting) and try again.",
  invalidTokenOAuth1: "The access token is invalid, expired or revoked. Regenerate the access token and secret in " +
    "the X developer portal (changing the app's permissions revokes them) and update X_ACCESS_TOKEN and " +
    "X_ACCESS_TOKEN_SECRET.",
  invalidTokenOAuth2: "The OAuth 2.0 access token is invalid, expired or revoked. Refresh it with the refresh token " +
    "(scope offline.access) or re-authorize, and update X_OAUTH2_ACCESS_TOKEN.",
  invalidToken: "The access token is invalid, expired or revoked: re-authorize (or refresh the OAuth 2.0 token) " +
    "and update the credentials.",
  missingScope: "The OAuth 2.0 token lacks the media.write scope. Re-authorize the user with the scopes " +
    "media.write (plus tweet.write to post, offline.access to refresh) and use the new token.",
  appOnly: "X refuses app-only Bearer tokens for media upload. Use an OAuth 2.0 user-context token " +
    "(Authorization Code with PKCE, scope media.write) or OAuth 1.0a user credentials.",
  badAuthData: "X found no usable authentication data in the request (code 215). Check that credentials are " +
    "configured and not empty.",
  forbidden: "X accepted the credentials but refused the action. Check that the app has Read and Write " +
    "permission (regenerate the user's tokens after changing it), that the project's access level includes " +
    "media upload, and that the media belongs to this user.",
  unauthorized: "X did not accept the credentials. Check that they are correct, belong to the same app and user, " +
    "and have not been revoked; for OAuth 1.0a also check the system clock."
} as const

/** The advice for a token without `scope`, which the endpoint needs besides media.write. */
const missingScopeHint = (scope: string): string =>
  `The OAuth 2.0 token lacks the ${scope} scope, which this request needs. Re-authorize the user with the ` +
  `scopes media.write and ${scope} (plus tweet.read and users.read, which X lists for posting, and ` +
  "offline.access to refresh) and use the new token; or use OAuth 1.0a credentials of an app with Read and Write permission."

/**
 * Reads a 401/403 answer into a reason and a hint, in this order:
 *
 * - OAuth 2.0 used against `v1` → `oauth2-on-v1` (whatever X said, since v1.1 never takes OAuth 2.0);
 * - code 32 → `bad-signature` (`invalid-token` with OAuth 2.0, which has no signature);
 * - code 135 → `clock-skew`; code 89 → `invalid-token`; code 215 → `unauthorized` (bad authentication data);
 * - a 403 whose text mentions app-only authentication → `forbidden` (an app-only Bearer token);
 * - a 403 of a request that needs another scope (`requiredScope`, e.g. `tweet.write`) that mentions a
 *   scope, or any such 403 with OAuth 2.0 → `missing-scope`, with advice naming that scope;
 * - a 403 mentioning a scope or `media.write`, or any v2 403 with OAuth 2.0 → `missing-scope`;
 * - otherwise `forbidden` for 403 and `unauthorized` for anything else, with a generic hint.
 *
 * The upload code calls this for every 401/403 and builds `AuthenticationFailed` from the result.
 * Pure and total. The hints are fixed text: nothing of the input is copied into them.
 *
 * @since 0.2.0
 * @category errors
 */
export const classifyAuthFailure = (input: AuthFailureInput): AuthFailureClassification => {
  const codes = new Set(input.errors.flatMap((e) => (e.code === undefined ? [] : [e.code])))
  const text = [...input.errors.map((e) => e.message), input.bodyText ?? ""].join("\n").toLowerCase()
  const oauth2 = input.scheme === "oauth2"

  if (oauth2 && input.dialect === "v1") return { reason: "oauth2-on-v1", hint: hints.oauth2OnV1 }
  if (codes.has(32)) {
    return oauth2
      ? { reason: "invalid-token", hint: hints.oauth2NotAuthenticated }
      : { reason: "bad-signature", hint: hints.badSignature }
  }
  if (codes.has(135)) return { reason: "clock-skew", hint: hints.clockSkew }
  if (codes.has(89)) {
    const hint = input.scheme === undefined
      ? hints.invalidToken
      : oauth2
      ? hints.invalidTokenOAuth2
      : hints.invalidTokenOAuth1
    return { reason: "invalid-token", hint }
  }
  if (codes.has(215)) return { reason: "unauthorized", hint: hints.badAuthData }
  if (input.status === 403) {
    if (text.includes("application-only") || text.includes("app-only")) {
      return { reason: "forbidden", hint: hints.appOnly }
    }
    const scope = input.requiredScope
    if (scope !== undefined && scope !== "media.write" && (text.includes("scope") || text.includes(scope) || oauth2)) {
      return { reason: "missing-scope", hint: missingScopeHint(scope) }
    }
    if (text.includes("scope") || text.includes("media.write") || (oauth2 && input.dialect === "v2")) {
      return { reason: "missing-scope", hint: hints.missingScope }
    }
    return { reason: "forbidden", hint: hints.forbidden }
  }
  return { reason: "unauthorized", hint: hints.unauthorized }
}
