/**
 * The credentials x-media signs requests with: OAuth 1.0a user context (works with both dialects)
 * or an OAuth 2.0 user-context access token with the `media.write` scope (v2 only).
 *
 * Every secret is a `Redacted<string>`: credentials print as `<redacted>` through `String`,
 * `JSON.stringify`, `util.inspect` and Effect's logger, and no error built here carries a value.
 *
 * @module
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { MissingCredentials } from "./Errors.ts"

/** Environment variable names read by {@link fromConfig}. */
export const EnvNames = {
  consumerKey: "X_API_KEY",
  consumerSecret: "X_API_SECRET",
  accessToken: "X_ACCESS_TOKEN",
  accessTokenSecret: "X_ACCESS_TOKEN_SECRET",
  oauth2AccessToken: "X_OAUTH2_ACCESS_TOKEN"
} as const

const oauth1Names = [
  EnvNames.consumerKey,
  EnvNames.consumerSecret,
  EnvNames.accessToken,
  EnvNames.accessTokenSecret
] as const

const hidden = "<redacted>"

/**
 * OAuth 1.0a user-context credentials: the app's API key and secret (consumer key/secret) and the
 * user's access token and secret. Accepted by both the v1.1 and the v2 media API.
 * Build with {@link oauth1}; prints as `Credentials.OAuth1(<redacted>)`.
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

/** OAuth 1.0a or OAuth 2.0 user credentials; switch on `_tag` (`"OAuth1"` | `"OAuth2"`). */
export type Credentials = OAuth1Credentials | OAuth2Credentials

/** Which scheme a set of credentials uses, in the spelling of `AuthUnsupported.auth`. */
export type Scheme = "oauth1" | "oauth2"

/** `"oauth1"` or `"oauth2"` for the given credentials. */
export const scheme = (credentials: Credentials): Scheme => credentials._tag === "OAuth1" ? "oauth1" : "oauth2"

const secret = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * OAuth 1.0a credentials from plain strings (or values already wrapped in `Redacted`). The strings
 * are wrapped in `Redacted` at once. No validation happens here: an empty or wrong value shows up as
 * X's error 32 or 89; use {@link fromConfig} to have missing values reported up front.
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
 */
export const oauth2 = (accessToken: string | Redacted.Redacted<string>): OAuth2Credentials =>
  new OAuth2Credentials({ accessToken: secret(accessToken) })

/** `true` for OAuth 1.0a credentials. */
export const isOAuth1 = (credentials: Credentials): credentials is OAuth1Credentials => credentials._tag === "OAuth1"

/** `true` for OAuth 2.0 credentials. */
export const isOAuth2 = (credentials: Credentials): credentials is OAuth2Credentials => credentials._tag === "OAuth2"

/** Options of {@link fromConfig}. */
export interface LoadOptions {
  /**
   * Which scheme wins when both a complete OAuth 1.0a set and an OAuth 2.0 token are configured.
   * Default `"oauth1"` (it works with both dialects). With `"oauth2"`, an OAuth 2.0 token is used
   * whenever present, even next to an incomplete OAuth 1.0a set. A preference never makes loading
   * fail: the other scheme is used when the preferred one is not configured.
   */
  readonly prefer?: Scheme | undefined
  /** Where to read the variables from. Default: the `ConfigProvider` in the context (the environment). */
  readonly provider?: ConfigProvider.ConfigProvider | undefined
}

const howToSet = `Set ${oauth1Names.join(", ")} (OAuth 1.0a user context; works with the v1 and v2 APIs), ` +
  `or ${EnvNames.oauth2AccessToken} (an OAuth 2.0 user access token with the media.write scope; v2 API only).`

// Reads one variable. Absent, empty or blank values are None. A value that cannot be read (a source
// failure, or not a string) fails naming the variable only: the ConfigError is not kept, so nothing
// of the value can leak through it.
const read = (
  name: string,
  provider: ConfigProvider.ConfigProvider | undefined
): Effect.Effect<Option.Option<Redacted.Redacted<string>>, MissingCredentials> => {
  const config = Config.option(Config.Redacted(name))
  const value: Effect.Effect<Option.Option<Redacted.Redacted<string>>, Config.ConfigError> = provider === undefined
    ? config
    : config.parse(provider)
  return value.pipe(
    Effect.map(Option.filter((value) => Redacted.value(value).trim() !== "")),
    Effect.catch((error) =>
      Effect.fail(
        new MissingCredentials({
          missing: [name],
          detail: `${name} could not be read from the configuration (${error.cause._tag}); it must be a non-empty string. ${howToSet}`
        })
      )
    )
  )
}

/**
 * Loads credentials from configuration (by default the environment): `X_API_KEY`, `X_API_SECRET`,
 * `X_ACCESS_TOKEN`, `X_ACCESS_TOKEN_SECRET` for OAuth 1.0a, `X_OAUTH2_ACCESS_TOKEN` for OAuth 2.0.
 * Empty or blank values count as missing.
 *
 * - All four OAuth 1.0a variables → OAuth 1.0a (also when an OAuth 2.0 token is set, unless
 *   `prefer: "oauth2"`).
 * - Only the OAuth 2.0 token → OAuth 2.0.
 * - Some but not all OAuth 1.0a variables → fails with `MissingCredentials` naming exactly the
 *   missing ones (with `prefer: "oauth2"` and a token present, the token is used instead).
 * - Nothing → fails with `MissingCredentials` naming all five and how to set either scheme.
 *
 * Never puts a value in an error. Tests pass `provider: ConfigProvider.fromUnknown({...})`.
 */
export const fromConfig = (options?: LoadOptions): Effect.Effect<Credentials, MissingCredentials> =>
  Effect.gen(function*() {
    const provider = options?.provider
    const consumerKey = yield* read(EnvNames.consumerKey, provider)
    const consumerSecret = yield* read(EnvNames.consumerSecret, provider)
    const accessToken = yield* read(EnvNames.accessToken, provider)
    const accessTokenSecret = yield* read(EnvNames.accessTokenSecret, provider)
    const bearer = yield* read(EnvNames.oauth2AccessToken, provider)

    if (Option.isSome(bearer) && options?.prefer === "oauth2") {
      return oauth2(bearer.value)
    }
    if (
      Option.isSome(consumerKey) && Option.isSome(consumerSecret) &&
      Option.isSome(accessToken) && Option.isSome(accessTokenSecret)
    ) {
      return oauth1({
        consumerKey: consumerKey.value,
        consumerSecret: consumerSecret.value,
        accessToken: accessToken.value,
        accessTokenSecret: accessTokenSecret.value
      })
    }
    const present = [consumerKey, consumerSecret, accessToken, accessTokenSecret].map(Option.isSome)
    const missing = oauth1Names.filter((_, i) => !present[i])
    const set = oauth1Names.filter((_, i) => present[i])
    if (set.length > 0) {
      const alternative = Option.isSome(bearer)
        ? ` ${EnvNames.oauth2AccessToken} is set too: unset the OAuth 1.0a variables to use it instead.`
        : ""
      return yield* new MissingCredentials({
        missing,
        detail: `${set.join(", ")} ${set.length === 1 ? "is" : "are"} set, but OAuth 1.0a needs all four of ${
          oauth1Names.join(", ")
        }; set the missing ${missing.length === 1 ? "one" : "ones"}.${alternative}`
      })
    }
    if (Option.isSome(bearer)) {
      return oauth2(bearer.value)
    }
    return yield* new MissingCredentials({
      missing: [...oauth1Names, EnvNames.oauth2AccessToken],
      detail: `No credentials are configured. ${howToSet}`
    })
  })
