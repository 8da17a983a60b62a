/**
 * Which server, dialect and credentials a command talks to, from its flags and the environment:
 * a flag always wins over its variable (`--api` over `X_MEDIA_API`, `--base-url` over
 * `X_MEDIA_BASE_URL`), and a variable a flag replaces is not even read. Every value is checked
 * here, before any request: a bad one is a usage error naming the flag or variable it came from.
 *
 * @module
 */
import { Credentials, type Dialect, Errors, XClient, XMediaConfig } from "@x-media/core"
import type { EmulatorCredentials } from "@x-media/emulator"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CliFailure } from "./Failure.ts"
import { UsageError } from "./Failure.ts"

/** The flags every command that talks to X shares. */
export interface ClientFlags {
  /** `--api v1|v2` */
  readonly api: Option.Option<Dialect.Dialect>
  /** `--base-url URL` */
  readonly baseUrl: Option.Option<string>
  /** `--auth oauth1|oauth2`: which credentials to use when both are configured. */
  readonly auth: Option.Option<Credentials.Scheme>
}

/** A running emulator to talk to instead of X: its URL and the credentials it accepts. */
export interface EmulatorTarget {
  readonly url: string
  readonly credentials: EmulatorCredentials
}

/** Everything needed to build the client. */
export interface ClientSettings {
  readonly dialect: Dialect.Dialect
  /** What chose the dialect (`--api`, or `X_MEDIA_API`), named in AuthUnsupported's advice. */
  readonly dialectChosenBy: string | undefined
  /** The validated base URL, or undefined for the dialect's own host. */
  readonly baseUrl: string | undefined
  readonly credentials: Credentials.Credentials
}

/** `--api`, else `X_MEDIA_API`, else v2. */
export const resolveDialect = (flag: Option.Option<Dialect.Dialect>): Effect.Effect<Dialect.Dialect, Errors.InvalidOption> =>
  Option.isSome(flag) ? Effect.succeed(flag.value) : invalidOnly(XMediaConfig.load(XMediaConfig.dialect))

/** `--base-url`, else `X_MEDIA_BASE_URL`, else none (X's host); checked either way. */
export const resolveBaseUrl = (flag: Option.Option<string>): Effect.Effect<string | undefined, Errors.InvalidOption> =>
  Option.isSome(flag)
    ? XClient.validateBaseUrl(flag.value.trim()).pipe(
      Effect.mapError((error) => new Errors.InvalidOption({ option: "--base-url", value: flag.value, detail: error.detail }))
    )
    : invalidOnly(XMediaConfig.load(XMediaConfig.optionalBaseUrl))

/** The settings Configs fail with InvalidOption only (MissingCredentials comes from credentials). */
const invalidOnly = <A>(
  effect: Effect.Effect<A, Errors.InvalidOption | Errors.MissingCredentials>
): Effect.Effect<A, Errors.InvalidOption> =>
  Effect.mapError(effect, (error) =>
    error._tag === "InvalidOption"
      ? error
      : new Errors.InvalidOption({ option: "configuration", value: "", detail: error.message }))

/**
 * The credentials from the environment. With `--auth`, that scheme must be configured (a
 * preference alone would silently use the other one).
 */
export const loadCredentials = (
  auth: Option.Option<Credentials.Scheme>
): Effect.Effect<Credentials.Credentials, Errors.MissingCredentials> =>
  Effect.gen(function*() {
    const prefer = Option.getOrUndefined(auth)
    const credentials = yield* XMediaConfig.loadCredentials({ prefer })
    if (prefer !== undefined && Credentials.scheme(credentials) !== prefer) {
      const names = Credentials.EnvNames
      return yield* new Errors.MissingCredentials(
        prefer === "oauth2"
          ? {
            missing: [names.oauth2AccessToken],
            detail: `--auth oauth2 needs ${names.oauth2AccessToken} (an OAuth 2.0 user token with media.write).`
          }
          : {
            missing: [names.consumerKey, names.consumerSecret, names.accessToken, names.accessTokenSecret],
            detail: "--auth oauth1 needs all four OAuth 1.0a variables."
          }
      )
    }
    return credentials
  })

/** The credentials an emulator accepts, in the scheme `--auth` asks for (OAuth 1.0a by default). */
export const emulatorCredentials = (
  target: EmulatorTarget,
  auth: Option.Option<Credentials.Scheme>
): Credentials.Credentials =>
  Option.getOrElse(auth, () => "oauth1") === "oauth2"
    ? Credentials.oauth2(target.credentials.oauth2Token)
    : Credentials.oauth1({
      consumerKey: target.credentials.consumerKey,
      consumerSecret: target.credentials.consumerSecret,
      accessToken: target.credentials.accessToken,
      accessTokenSecret: target.credentials.accessTokenSecret
    })

/**
 * Resolves the settings. With an emulator target, its URL and credentials replace the environment's
 * (`--base-url` cannot be combined with it). Fails with InvalidOption (a bad value, exit code 2),
 * UsageError, or MissingCredentials.
 */
export const resolve = (
  flags: ClientFlags,
  emulator?: EmulatorTarget
): Effect.Effect<ClientSettings, CliFailure> =>
  Effect.gen(function*() {
    const dialect = yield* resolveDialect(flags.api)
    // Only v1 can be refused (OAuth 2.0), and v1 is never the default: it came from the flag or the variable.
    const dialectChosenBy = Option.isSome(flags.api) ? "--api" : XMediaConfig.EnvNames.api
    if (emulator !== undefined) {
      if (Option.isSome(flags.baseUrl)) {
        return yield* new UsageError({
          detail: "--base-url cannot be combined with --emulator: the embedded emulator has its own URL. Leave one out."
        })
      }
      return { dialect, dialectChosenBy, baseUrl: emulator.url, credentials: emulatorCredentials(emulator, flags.auth) }
    }
    const baseUrl = yield* resolveBaseUrl(flags.baseUrl)
    const credentials = yield* loadCredentials(flags.auth)
    return { dialect, dialectChosenBy, baseUrl, credentials }
  })
