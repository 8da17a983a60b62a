/**
 * The x-media settings read from the environment (through effect's `Config`, so tests can swap the
 * provider): `X_MEDIA_API` and `X_MEDIA_BASE_URL`, each read only when asked for, so an explicit
 * value is never blocked by a malformed variable it replaces. Absent or blank is None; a bad value
 * is an `InvalidOption` naming the variable.
 *
 * @module
 */
import { Dialect, Errors, XClient } from "@x-media/core"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
/** The value of the variable `name`, None when it is not set or blank. */
export const variable = (name: string): Effect.Effect<Option.Option<string>, Errors.InvalidOption> => {
  const config: Effect.Effect<Option.Option<string>, Config.ConfigError> = Config.option(Config.String(name))
  return config.pipe(
    Effect.map(Option.filter((value) => value.trim() !== "")),
    Effect.mapError(() => new Errors.InvalidOption({ option: name, value: "", detail: "could not be read as text" }))
  )
}

const isDialect = Schema.is(Dialect.Dialect)

/** `X_MEDIA_API`: `v1` or `v2`; anything else fails naming the variable. */
export const dialect: Effect.Effect<Option.Option<Dialect.Dialect>, Errors.InvalidOption> = Effect.flatMap(
  variable("X_MEDIA_API"),
  Option.match({
    onNone: () => Effect.succeed(Option.none()),
    onSome: (raw) => {
      const value = raw.trim()
      return isDialect(value)
        ? Effect.succeed(Option.some(value))
        : Effect.fail(new Errors.InvalidOption({ option: "X_MEDIA_API", value, detail: "must be v1 or v2" }))
    }
  })
)

/** Checks a base URL given through `option` (a flag or variable name, used in the error). */
export const checkBaseUrl = (option: string, raw: string): Effect.Effect<string, Errors.InvalidOption> =>
  XClient.validateBaseUrl(raw.trim()).pipe(
    Effect.mapError((error) => new Errors.InvalidOption({ option, value: raw, detail: error.detail }))
  )

/** `X_MEDIA_BASE_URL`: scheme://host[:port], checked. */
export const baseUrl: Effect.Effect<Option.Option<string>, Errors.InvalidOption> = Effect.flatMap(
  variable("X_MEDIA_BASE_URL"),
  Option.match({
    onNone: () => Effect.succeed(Option.none()),
    onSome: (raw) => Effect.map(checkBaseUrl("X_MEDIA_BASE_URL", raw), Option.some)
  })
)
