/**
 * Which server, dialect, idle timeout, rate-limit wait and credentials a command talks to, from its flags (which
 * fall back to their variables in `CommonFlags`) and the credentials from the environment. Every
 * value is checked here, before any request: a bad one is an `InvalidOption` naming the flag or
 * variable it came from (a usage error, exit code 2).
 *
 * @module
 */
import { Credentials, type Dialect, Errors, XClient, XMediaConfig } from "@x-media/core"
import type { EmulatorCredentials } from "@x-media/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { given, givenByFlag, type Setting } from "./CommonFlags.ts"
import type { CliFailure } from "./Failure.ts"
import { UsageError } from "./Failure.ts"

/** The flags every command that talks to X shares. */
export interface ClientFlags {
  /** `--api v1|v2`, else `X_MEDIA_API`. */
  readonly api: Option.Option<Setting>
  /** `--base-url URL`, else `X_MEDIA_BASE_URL`. */
  readonly baseUrl: Option.Option<Setting>
  /** `--auth oauth1|oauth2`: which credentials to use when both are configured. */
  readonly auth: Option.Option<Credentials.Scheme>
  /** `--timeout SECONDS`, else `X_MEDIA_TIMEOUT`. */
  readonly timeout: Option.Option<Setting>
  /** `--max-rate-limit-wait SECONDS`, else `X_MEDIA_MAX_RATE_LIMIT_WAIT`. */
  readonly maxRateLimitWait: Option.Option<Setting>
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
  /** The idle timeout, or undefined for the client's default (60 s). */
  readonly idleTimeout: Duration.Duration | undefined
  /** The longest wait for a rate-limit window, or undefined for the client's default (15 minutes). */
  readonly maxRateLimitWait: Duration.Duration | undefined
  readonly credentials: Credentials.Credentials
}

/** `--api`, else `X_MEDIA_API`, else v2. */
export const resolveDialect = (
  setting: Option.Option<Setting>
): Effect.Effect<Dialect.Dialect, Errors.InvalidOption> => {
  const chosen = given(setting)
  if (chosen === undefined) return Effect.succeed("v2")
  const value = chosen.value.trim()
  return value === "v1" || value === "v2"
    ? Effect.succeed(value)
    : Effect.fail(new Errors.InvalidOption({ option: chosen.from, value: chosen.value, detail: "must be v1 or v2" }))
}

/** `--base-url`, else `X_MEDIA_BASE_URL`, else none (X's host); checked either way. */
export const resolveBaseUrl = (
  setting: Option.Option<Setting>
): Effect.Effect<string | undefined, Errors.InvalidOption> => {
  const chosen = given(setting)
  return chosen === undefined
    ? Effect.succeed(undefined)
    : XClient.validateBaseUrl(chosen.value.trim()).pipe(
      Effect.mapError((error) =>
        new Errors.InvalidOption({ option: chosen.from, value: chosen.value, detail: error.detail })
      )
    )
}

/** A setting in seconds, checked by `valid` (`detail` says what it must be); undefined when not given. */
const resolveSeconds = (
  setting: Option.Option<Setting>,
  valid: (seconds: number) => boolean,
  detail: string
): Effect.Effect<Duration.Duration | undefined, Errors.InvalidOption> => {
  const chosen = given(setting)
  if (chosen === undefined) return Effect.succeed(undefined)
  const seconds = Number(chosen.value.trim())
  return Number.isFinite(seconds) && valid(seconds)
    ? Effect.succeed(Duration.millis(Math.round(seconds * 1000)))
    : Effect.fail(new Errors.InvalidOption({ option: chosen.from, value: chosen.value, detail }))
}

/** `--timeout`, else `X_MEDIA_TIMEOUT`, in seconds (a positive number); undefined for the default. */
export const resolveTimeout = (setting: Option.Option<Setting>) =>
  resolveSeconds(setting, (seconds) => seconds > 0, "must be a number of seconds greater than 0")

/** `--max-rate-limit-wait`, else its variable, in seconds (0 or more); undefined for the default. */
export const resolveMaxRateLimitWait = (setting: Option.Option<Setting>) =>
  resolveSeconds(setting, (seconds) => seconds >= 0, "must be a number of seconds, 0 or more (0 never waits)")

/**
 * The credentials from the environment. With `--auth`, that scheme must be configured (a
 * preference alone would silently use the other one), and what is missing is said for that scheme
 * only: advice about the other one would contradict the flag.
 */
export const loadCredentials = (
  auth: Option.Option<Credentials.Scheme>
): Effect.Effect<Credentials.Credentials, Errors.MissingCredentials> =>
  Effect.gen(function*() {
    const prefer = Option.getOrUndefined(auth)
    const names = Credentials.EnvNames
    const needs = (missing: ReadonlyArray<string>) =>
      prefer === "oauth2"
        ? new Errors.MissingCredentials({
          missing: [names.oauth2AccessToken],
          detail: `--auth oauth2 needs ${names.oauth2AccessToken} (an OAuth 2.0 user token with media.write).`
        })
        : new Errors.MissingCredentials({
          missing: missing.length > 0 ? missing : XMediaConfig.oauth1Names,
          detail: `--auth oauth1 needs all four OAuth 1.0a variables; ${
            (missing.length > 0 ? missing : XMediaConfig.oauth1Names).join(", ")
          } ${missing.length === 1 ? "is" : "are"} not set.`
        })
    const credentials = yield* XMediaConfig.loadCredentials({ prefer }).pipe(
      Effect.catchTag("MissingCredentials", (error) => Effect.fail(prefer === undefined ? error : needs(error.missing)))
    )
    if (prefer !== undefined && Credentials.scheme(credentials) !== prefer) return yield* needs([])
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

/** The settings other than the credentials, checked: run it before anything else. */
export interface CheckedFlags {
  readonly dialect: Dialect.Dialect
  readonly dialectChosenBy: string | undefined
  readonly baseUrl: string | undefined
  readonly idleTimeout: Duration.Duration | undefined
  readonly maxRateLimitWait: Duration.Duration | undefined
}

/** Checks the flags (and the variables they fell back to); no credential is read. */
export const checkFlags = (flags: ClientFlags, emulator: boolean): Effect.Effect<CheckedFlags, CliFailure> =>
  Effect.gen(function*() {
    const dialect = yield* resolveDialect(flags.api)
    const idleTimeout = yield* resolveTimeout(flags.timeout)
    const maxRateLimitWait = yield* resolveMaxRateLimitWait(flags.maxRateLimitWait)
    if (emulator) {
      if (givenByFlag(flags.baseUrl) !== undefined) {
        return yield* new UsageError({
          detail: "--base-url cannot be combined with --emulator: the embedded emulator has its own URL. Leave one out."
        })
      }
    }
    const baseUrl = emulator ? undefined : yield* resolveBaseUrl(flags.baseUrl)
    return {
      dialect,
      dialectChosenBy: given(flags.api)?.from,
      baseUrl,
      idleTimeout,
      maxRateLimitWait
    }
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
    const checked = yield* checkFlags(flags, emulator !== undefined)
    if (emulator !== undefined) {
      return {
        ...checked,
        baseUrl: emulator.url,
        credentials: emulatorCredentials(emulator, flags.auth)
      }
    }
    const credentials = yield* loadCredentials(flags.auth)
    return { ...checked, credentials }
  })

/** The `NodeXMedia.layer` options of the settings. */
export const layerOptions = (settings: ClientSettings) => ({
  credentials: settings.credentials,
  dialect: settings.dialect,
  baseUrl: settings.baseUrl,
  dialectChosenBy: settings.dialectChosenBy,
  ...(settings.idleTimeout === undefined ? {} : { idleTimeout: settings.idleTimeout }),
  ...(settings.maxRateLimitWait === undefined ? {} : { retry: { maxRateLimitWait: settings.maxRateLimitWait } })
})
