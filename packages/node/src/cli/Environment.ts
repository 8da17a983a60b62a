/**
 * Reading one environment variable through effect's `Config` (so tests can swap the provider):
 * absent or blank is None, anything unreadable is an `InvalidOption` naming the variable (and never
 * its value).
 *
 * @module
 */
import { Errors } from "@x-media/core"
import { Config, Effect, Option } from "effect"

/** The value of the variable `name`, None when it is not set or blank. */
export const variable = (name: string): Effect.Effect<Option.Option<string>, Errors.InvalidOption> => {
  const config: Effect.Effect<Option.Option<string>, Config.ConfigError> = Config.option(Config.String(name))
  return config.pipe(
    Effect.map(Option.filter((value) => value.trim() !== "")),
    Effect.mapError(() => new Errors.InvalidOption({ option: name, value: "", detail: "could not be read as text" }))
  )
}
