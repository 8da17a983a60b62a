/**
 * The credentials x-media signs requests with: OAuth 1.0a user context (works with both dialects)
 * or an OAuth 2.0 user-context access token with the `media.write` scope (v2 only).
 *
 * Every secret is a `Redacted<string>`: credentials print as `<redacted>` through `String`,
 * `JSON.stringify`, `util.inspect` and Effect's logger, and no error built here carries a value.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Redacted from "effect/Redacted"
import { InvalidOption } from "./Errors.ts"
import { sha256Hex } from "./internal/Sha256.ts"

/**
 * The environment variables that hold credentials (read by `XMediaConfig.credentials`).
 *
 * @since 0.2.0
 * @category constants
 */
export const EnvNames = {
  consumerKey: "X_API_KEY",
  consumerSecret: "X_API_SECRET",
  accessToken: "X_ACCESS_TOKEN",
  accessTokenSecret: "X_ACCESS_TOKEN_SECRET",
  oauth2AccessToken: "X_OAUTH2_ACCESS_TOKEN"
} as const

const hidden = "<redacted>"

/**
 * OAuth 1.0a user-context credentials: the app's API key and secret (consumer key/secret) and the
 * user's access token and secret. Accepted by both the v1.1 and the v2 media API.
 * Build with {@link oauth1}; prints as `Credentials.OAuth1(<redacted>)`.
 *
 * @since 0.2.0
 * @category models
 */
export class OAuth1Credentials extends Inspectable.Class {
  /** Discriminant of {@link Credentials}. */
  readonly _tag = "OAuth1" as const
  /** The app's API key (`X_API_KEY`). */
  readonly consumerKey: Redacted.Redacted<string>
  /** The app's API secret (`X_API_SECRET`). */
  readonly consumerSecret: Redacted.Redacted<string>
  /** The user's access token (`X_ACCESS_TOKEN`). */
  readonly accessToken: Redacted.Redacted<string>
  /** The user's access token secret (`X_ACCESS_TOKEN_SECRET`). */
  readonly accessTokenSecret: Redacted.Redacted<string>
  constructor(fields: {
    readonly consumerKey: Redacted.Redacted<string>
    readonly consumerSecret: Redacted.Redacted<string>
    readonly accessToken: Redacted.Redacted<string>
    readonly accessTokenSecret: Redacted.Redacted<string>
  }) {
    super()
    this.consumerKey = fields.consumerKey
    this.consumerSecret = fields.consumerSecret
    this.accessToken = fields.accessToken
    this.accessTokenSecret = fields.accessTokenSecret
  }
  /** A printable form with every value redacted. */
  toJSON(): unknown {
    return {
      _tag: this._tag,
      consumerKey: hidden,
      consumerSecret: hidden,
      accessToken: hidden,
      accessTokenSecret: hidden
    }
  }
  override toString(): string {
    return `Credentials.OAuth1(${hidden})`
  }
}

/**
 * An OAuth 2.0 user-context access token (Authorization Code with PKCE) with scope `media.write`,
 * sent as `Authorization: Bearer …`. Works only with the v2 API; app-only Bearer tokens are refused
 * by X. Build with {@link oauth2}; prints as `Credentials.OAuth2(<redacted>)`.
 *
 * @since 0.2.0
 * @category models
 */
export class OAuth2Credentials extends Inspectable.Class {
  /** Discriminant of {@link Credentials}. */
  readonly _tag = "OAuth2" as const
  /** The user access token (`X_OAUTH2_ACCESS_TOKEN`). */
  readonly accessToken: Redacted.Redacted<string>
  constructor(fields: { readonly accessToken: Redacted.Redacted<string> }) {
    super()
    this.accessToken = fields.accessToken
  }
  /** A printable form with the token redacted. */
  toJSON(): unknown {
    return { _tag: this._tag, accessToken: hidden }
  }
  override toString(): string {
    return `Credentials.OAuth2(${hidden})`
  }
}

/**
 * OAuth 1.0a or OAuth 2.0 user credentials; switch on `_tag` (`"OAuth1"` | `"OAuth2"`).
 *
 * @since 0.2.0
 * @category models
 */
export type Credentials = OAuth1Credentials | OAuth2Credentials

/**
 * Which scheme a set of credentials uses, in the spelling of `AuthUnsupported.auth`.
 *
 * @since 0.2.0
 * @category models
 */
export type Scheme = "oauth1" | "oauth2"

/**
 * `"oauth1"` or `"oauth2"` for the given credentials.
 *
 * @since 0.2.0
 * @category getters
 */
export const scheme = (credentials: Credentials): Scheme => credentials._tag === "OAuth1" ? "oauth1" : "oauth2"

const secret = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * OAuth 1.0a credentials from plain strings (or values already wrapped in `Redacted`). The strings
 * are wrapped in `Redacted` at once. No validation happens here: an empty or wrong value shows up as
 * X's error 32 or 89; `XMediaConfig.credentials` reports missing values up front, and `XClient`
 * refuses empty ones before any request.
 *
 * @since 0.2.0
 * @category constructors
 */
export const oauth1 = (fields: {
  readonly consumerKey: string | Redacted.Redacted<string>
  readonly consumerSecret: string | Redacted.Redacted<string>
  readonly accessToken: string | Redacted.Redacted<string>
  readonly accessTokenSecret: string | Redacted.Redacted<string>
}): OAuth1Credentials =>
  new OAuth1Credentials({
    consumerKey: secret(fields.consumerKey),
    consumerSecret: secret(fields.consumerSecret),
    accessToken: secret(fields.accessToken),
    accessTokenSecret: secret(fields.accessTokenSecret)
  })

/**
 * OAuth 2.0 user-context credentials from a plain access token (or one already in `Redacted`).
 * Not validated; the token must carry the `media.write` scope and be used with the v2 dialect.
 *
 * @since 0.2.0
 * @category constructors
 */
export const oauth2 = (accessToken: string | Redacted.Redacted<string>): OAuth2Credentials =>
  new OAuth2Credentials({ accessToken: secret(accessToken) })

/**
 * `true` for OAuth 1.0a credentials.
 *
 * @since 0.2.0
 * @category guards
 */
export const isOAuth1 = (credentials: Credentials): credentials is OAuth1Credentials => credentials._tag === "OAuth1"

/**
 * `true` for OAuth 2.0 credentials.
 *
 * @since 0.2.0
 * @category guards
 */
export const isOAuth2 = (credentials: Credentials): credentials is OAuth2Credentials => credentials._tag === "OAuth2"

const describeShape = (value: unknown): string => {
  if (value === null || typeof value !== "object") return value === null ? "null" : typeof value
  const keys = Object.keys(value)
  return keys.length === 0 ? "an empty object" : `an object with the fields ${keys.join(", ")}`
}

const howToBuild = "build credentials with Credentials.oauth1({ consumerKey, consumerSecret, accessToken, " +
  "accessTokenSecret }) or Credentials.oauth2(token), which keep the secrets Redacted"

/**
 * Checks, at the boundary, that `value` is credentials built by {@link oauth1} or {@link oauth2}
 * with every secret a non-empty `Redacted` string. Plain JavaScript may pass anything here (for
 * example an object of plain strings): that fails with `InvalidOption` (option `credentials`)
 * saying how to build them, instead of crashing later while signing. The error shows the field
 * names only, never a value.
 *
 * @since 0.2.0
 * @category validation
 */
export const validate = (value: unknown): Effect.Effect<Credentials, InvalidOption> => {
  const invalid = (shown: string, detail: string) =>
    Effect.fail(new InvalidOption({ option: "credentials", value: shown, detail }))
  if (!(value instanceof OAuth1Credentials) && !(value instanceof OAuth2Credentials)) {
    return invalid(describeShape(value), `not credentials: ${howToBuild}`)
  }
  const fields: ReadonlyArray<readonly [string, unknown]> = value instanceof OAuth1Credentials
    ? [
      ["consumerKey", value.consumerKey],
      ["consumerSecret", value.consumerSecret],
      ["accessToken", value.accessToken],
      ["accessTokenSecret", value.accessTokenSecret]
    ]
    : [["accessToken", value.accessToken]]
  for (const [name, field] of fields) {
    if (!Redacted.isRedacted(field)) {
      return invalid(`Credentials.${value._tag}`, `its ${name} is not a Redacted value: ${howToBuild}`)
    }
    const inner: unknown = Redacted.value(field)
    if (typeof inner !== "string" || inner.trim() === "") {
      return invalid(`Credentials.${value._tag}`, `its ${name} is empty or not text`)
    }
  }
  return Effect.succeed(value)
}

const shortHash = (text: string): Effect.Effect<string> =>
  Effect.map(sha256Hex(new TextEncoder().encode(text)), (full) => `sha256:${full.slice(0, 16)}`)

/**
 * A stable identity of the user the credentials act for, that never reveals a secret: the key a
 * `RateBudget` counts the user's requests under, the same in every process with the same
 * credentials.
 *
 * - OAuth 1.0a: the numeric user id X puts before the `-` of an access token (`370773112` for
 *   `370773112-GmHx…`); for a token without one, `sha256:` and the first 16 hex digits of the
 *   token's SHA-256.
 * - OAuth 2.0: `sha256:` and the first 16 hex digits of the token's SHA-256 (the token says
 *   nothing of the user). A refreshed token is a new identity.
 *
 * @since 0.2.0
 * @category getters
 */
export const userOf = (credentials: Credentials): Effect.Effect<string> => {
  const token = Redacted.value(credentials.accessToken)
  if (credentials._tag === "OAuth1") {
    const id = /^(\d{1,20})-/.exec(token)?.[1]
    if (id !== undefined) return Effect.succeed(id)
  }
  return shortHash(token)
}
