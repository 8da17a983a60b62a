/**
 * One environment variable as text, through effect's `Config` (so tests can swap the provider), for
 * the emulator command's own settings. x-media's client settings (`X_MEDIA_API`,
 * `X_MEDIA_BASE_URL`, the credentials) are read by `XMediaConfig` in core.
 *
 * @module
 */
import { Errors } from "@x-media/core"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
/** The value of the variable `name`, None when it is not set or blank. */
export const variable = (name: string): Effect.Effect<Option.Option<string>, Errors.InvalidOption> => {
  const config: Effect.Effect<Option.Option<string>, Config.ConfigError> = Config.option(Config.String(name))
  return config.pipe(
    Effect.map(Option.filter((value) => value.trim() !== "")),
    Effect.mapError(() => new Errors.InvalidOption({ option: name, value: "", detail: "could not be read as text" }))
  )
}
