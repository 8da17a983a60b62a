/**
 * The standard environment of x-media as effect `Config`s, one per setting, read through the
 * `ConfigProvider` in the context (the environment by default; tests swap the provider):
 *
 * - `X_MEDIA_API`: the dialect, `v1` or `v2` (default `v2`);
 * - `X_MEDIA_BASE_URL`: scheme://host[:port] replacing X's hosts (an emulator, a proxy);
 * - `X_API_KEY`, `X_API_SECRET`, `X_ACCESS_TOKEN`, `X_ACCESS_TOKEN_SECRET` (OAuth 1.0a), or
 *   `X_OAUTH2_ACCESS_TOKEN` (OAuth 2.0): the credentials.
 *
 * Give {@link options} to `XClient.layerConfig`, swap any of its fields for your own `Config`
 * (`Config.succeed(value)` for a fixed one), or fall back to one of these Configs from a CLI flag
 * (`Flag.withFallbackConfig`). A bad value fails with a `ConfigError` whose cause holds x-media's
 * typed error (`InvalidOption` naming the variable, or `MissingCredentials`); {@link load} and
 * `XClient.layerConfig` hand that typed error back. No secret is ever put in an error.
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { type Credentials, EnvNames as CredentialEnvNames, oauth1, oauth2, type Scheme } from "./Credentials.ts"
import { defaultDialect, Dialect } from "./Dialect.ts"
import { InvalidOption, MissingCredentials } from "./Errors.ts"
import * as BaseUrl from "./internal/BaseUrl.ts"

/**
 * The names of the environment variables x-media reads.
 *
 * @since 0.2.0
 * @category constants
 */
export const EnvNames = {
  api: "X_MEDIA_API",
  baseUrl: "X_MEDIA_BASE_URL",
  ...CredentialEnvNames
} as const

/**
 * The four OAuth 1.0a variables, in order.
 *
 * @since 0.2.0
 * @category constants
 */
export const oauth1Names: ReadonlyArray<string> = [
  EnvNames.consumerKey,
  EnvNames.consumerSecret,
  EnvNames.accessToken,
  EnvNames.accessTokenSecret
]

/**
 * The two ways to configure credentials: the four OAuth 1.0a variables, or the OAuth 2.0 token.
 *
 * @since 0.2.0
 * @category constants
 */
export const credentialAlternatives: ReadonlyArray<ReadonlyArray<string>> = [oauth1Names, [EnvNames.oauth2AccessToken]]

/** A failure of a Config that carries one of x-media's typed errors as its cause. */
const failWith = (error: InvalidOption | MissingCredentials): Config.Config<never> =>
  Config.fail(new ConfigProvider.SourceError({ message: error.message, cause: error }))

const failWithEffect = (error: InvalidOption | MissingCredentials): Effect.Effect<never, Config.ConfigError> =>
  Effect.fail(new Config.ConfigError(new ConfigProvider.SourceError({ message: error.message, cause: error })))

const isXMediaError = Schema.is(Schema.Union([InvalidOption, MissingCredentials]))

/**
 * The typed error behind a `ConfigError`: the `InvalidOption` or `MissingCredentials` a Config of
 * this module failed with, or an `InvalidOption` (option "configuration") describing any other
 * configuration failure.
 *
 * @since 0.2.0
 * @category errors
 */
export const fromConfigError = (error: Config.ConfigError): InvalidOption | MissingCredentials => {
  const cause = error.cause
  if (cause._tag === "SourceError" && isXMediaError(cause.cause)) return cause.cause
  return new InvalidOption({ option: "configuration", value: "", detail: error.message })
}

/**
 * Reads a Config (from `provider`, else the `ConfigProvider` in the context) and fails with
 * x-media's typed error instead of a `ConfigError` (see {@link fromConfigError}).
 *
 * @since 0.2.0
 * @category loading
 */
export const load = <A>(
  config: Config.Config<A>,
  provider?: ConfigProvider.ConfigProvider
): Effect.Effect<A, InvalidOption | MissingCredentials> =>
  Effect.mapError(provider === undefined ? config : config.parse(provider), fromConfigError)

const isBlank = (value: string) => value.trim() === ""

/** A variable as text; absent, empty or blank is None; a value that is not text is an InvalidOption. */
const text = (name: string): Config.Config<Option.Option<string>> =>
  Config.option(Config.String(name)).pipe(
    Config.map(Option.filter((value) => !isBlank(value))),
    Config.map(Option.map((value) => value.trim())),
    Config.orElse(() => failWith(new InvalidOption({ option: name, value: "", detail: "could not be read as text" })))
  )

const isDialect = Schema.is(Dialect)

/**
 * `X_MEDIA_API`: `v1` or `v2`; `v2` when absent or blank. Anything else fails with
 * `InvalidOption` naming the variable.
 *
 * @since 0.2.0
 * @category configs
 */
export const dialect: Config.Config<Dialect> = text(EnvNames.api).pipe(
  Config.mapEffect(Option.match({
    onNone: () => Effect.succeed(defaultDialect),
    onSome: (value) =>
      isDialect(value)
        ? Effect.succeed(value)
        : failWithEffect(new InvalidOption({ option: EnvNames.api, value, detail: "must be v1 or v2" }))
  }))
)

const checkedBaseUrl = (raw: string) =>
  BaseUrl.validate(raw.trim()).pipe(
    Effect.mapError((error) =>
      new Config.ConfigError(
        new ConfigProvider.SourceError({
          message: `${EnvNames.baseUrl}: ${error.detail}`,
          cause: new InvalidOption({ option: EnvNames.baseUrl, value: raw, detail: error.detail })
        })
      )
    )
  )

/**
 * `X_MEDIA_BASE_URL`: scheme://host[:port] (http or https, no path, query or credentials),
 * checked. Absent is the usual "missing" `ConfigError` (so `Config.option`, `Config.withDefault`
 * and `Flag.withFallbackConfig` treat it as unset); a malformed (or blank) value fails with
 * `InvalidOption` naming the variable.
 *
 * @since 0.2.0
 * @category configs
 */
export const baseUrl: Config.Config<string> = Config.String(EnvNames.baseUrl).pipe(Config.mapEffect(checkedBaseUrl))

/**
 * `X_MEDIA_BASE_URL` when it is set, checked: `undefined` when absent or blank, as the `baseUrl`
 * option of `XClient` takes it (X's own hosts).
 *
 * @since 0.2.0
 * @category configs
 */
export const optionalBaseUrl: Config.Config<string | undefined> = text(EnvNames.baseUrl).pipe(
  Config.mapEffect(Option.match({
    onNone: () => Effect.succeed(undefined),
    onSome: checkedBaseUrl
  }))
)

/** A secret variable: absent, empty or blank is None. A value that cannot be read names the variable only. */
const secret = (name: string): Config.Config<Option.Option<Redacted.Redacted<string>>> =>
  Config.option(Config.Redacted(name)).pipe(
    Config.map(Option.filter((value) => !isBlank(Redacted.value(value)))),
    // The ConfigError is not kept: nothing of the value may leak through it.
    Config.orElse(() =>
      failWith(
        new MissingCredentials({
          missing: [name],
          alternatives: credentialAlternatives,
          detail: `${name} could not be read from the configuration; it must be a non-empty string. ${howToSet}`
        })
      )
    )
  )

const howToSet = `Set either ${oauth1Names.join(", ")} (OAuth 1.0a user context; works with the v1 and v2 APIs), ` +
  `or ${EnvNames.oauth2AccessToken} (an OAuth 2.0 user access token with the media.write scope; v2 API only).`

/**
 * Options of {@link credentialsWith}.
 *
 * @since 0.2.0
 * @category models
 */
export interface CredentialsOptions {
  /**
   * Which scheme wins when both a complete OAuth 1.0a set and an OAuth 2.0 token are configured.
   * Default `"oauth1"` (it works with both dialects). With `"oauth2"`, an OAuth 2.0 token is used
   * whenever present, even next to an incomplete OAuth 1.0a set. A preference never makes loading
   * fail: the other scheme is used when the preferred one is not configured.
   */
  readonly prefer?: Scheme | undefined
}

/**
 * The credentials from `X_API_KEY`, `X_API_SECRET`, `X_ACCESS_TOKEN`, `X_ACCESS_TOKEN_SECRET`
 * (OAuth 1.0a) or `X_OAUTH2_ACCESS_TOKEN` (OAuth 2.0). Empty or blank values count as missing.
 *
 * - All four OAuth 1.0a variables → OAuth 1.0a (also when an OAuth 2.0 token is set, unless
 *   `prefer: "oauth2"`).
 * - Only the OAuth 2.0 token → OAuth 2.0.
 * - Some but not all OAuth 1.0a variables → `MissingCredentials` naming exactly the missing ones
 *   (with `prefer: "oauth2"` and a token present, the token is used instead).
 * - Nothing → `MissingCredentials` listing the two alternatives (four OAuth 1.0a variables, or
 *   one OAuth 2.0 token), with `missing` empty.
 *
 * Never puts a value in an error.
 *
 * @since 0.2.0
 * @category configs
 */
export const credentialsWith = (options: CredentialsOptions = {}): Config.Config<Credentials> =>
  Config.all({
    consumerKey: secret(EnvNames.consumerKey),
    consumerSecret: secret(EnvNames.consumerSecret),
    accessToken: secret(EnvNames.accessToken),
    accessTokenSecret: secret(EnvNames.accessTokenSecret),
    bearer: secret(EnvNames.oauth2AccessToken)
  }).pipe(Config.mapEffect((values) => {
    const { accessToken, accessTokenSecret, bearer, consumerKey, consumerSecret } = values
    if (Option.isSome(bearer) && options.prefer === "oauth2") return Effect.succeed<Credentials>(oauth2(bearer.value))
    if (
      Option.isSome(consumerKey) && Option.isSome(consumerSecret) &&
      Option.isSome(accessToken) && Option.isSome(accessTokenSecret)
    ) {
      return Effect.succeed<Credentials>(oauth1({
        consumerKey: consumerKey.value,
        consumerSecret: consumerSecret.value,
        accessToken: accessToken.value,
        accessTokenSecret: accessTokenSecret.value
      }))
    }
    const present = [consumerKey, consumerSecret, accessToken, accessTokenSecret].map(Option.isSome)
    const missing = oauth1Names.filter((_, i) => !present[i])
    const set = oauth1Names.filter((_, i) => present[i])
    if (set.length > 0) {
      const alternative = Option.isSome(bearer)
        ? ` ${EnvNames.oauth2AccessToken} is set too: unset the OAuth 1.0a variables to use it instead.`
        : ""
      return failWithEffect(
        new MissingCredentials({
          missing,
          alternatives: credentialAlternatives,
          detail: `${set.join(", ")} ${set.length === 1 ? "is" : "are"} set, but OAuth 1.0a needs all four of ${
            oauth1Names.join(", ")
          }; set the missing ${missing.length === 1 ? "one" : "ones"}.${alternative}`
        })
      )
    }
    if (Option.isSome(bearer)) return Effect.succeed<Credentials>(oauth2(bearer.value))
    return failWithEffect(
      new MissingCredentials({
        missing: [],
        alternatives: credentialAlternatives,
        detail: `No credentials are configured. ${howToSet}`
      })
    )
  }))

/**
 * Reads the credentials (from `provider`, else the `ConfigProvider` in the context), failing with
 * `MissingCredentials` only.
 *
 * @since 0.2.0
 * @category loading
 */
export const loadCredentials = (
  options: CredentialsOptions = {},
  provider?: ConfigProvider.ConfigProvider
): Effect.Effect<Credentials, MissingCredentials> =>
  load(credentialsWith(options), provider).pipe(
    Effect.mapError((error) =>
      error._tag === "MissingCredentials"
        ? error
        : new MissingCredentials({ missing: [], alternatives: credentialAlternatives, detail: error.message })
    )
  )

/**
 * {@link credentialsWith} with the default preference (OAuth 1.0a when both are complete).
 *
 * @since 0.2.0
 * @category configs
 */
export const credentials: Config.Config<Credentials> = credentialsWith()

/**
 * The `XClient` options the environment gives: credentials, dialect and base URL. Give it to
 * `XClient.layerConfig` as it is, or with fields replaced:
 * `XClient.layerConfig({ ...XMediaConfig.options, dialect: Config.succeed("v1") })`.
 *
 * @since 0.2.0
 * @category configs
 */
export const options = {
  credentials,
  dialect,
  baseUrl: optionalBaseUrl
} as const
