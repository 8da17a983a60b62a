/**
 * The emulator as the CLI starts it (`x-media emulator`, `--emulator`): a plain Promise API over
 * `@x-media/emulator`, whose answer is data, so that it works across copies of effect. The bundled
 * `x-media` loads it as a bundle of its own (`#emulator-runtime`, scripts/bundle-bin.mjs): the emulator's
 * server (effect's HTTP server, most of Schema, Stream) then stays out of the chunks every other command
 * loads, which start ~18 ms sooner for it (bench/RESULTS.md).
 *
 * @module
 */
import { describeStartError, type EmulatorOptions, type RunningEmulator, startEmulator } from "@x-media/emulator"
import { ServeError } from "effect/http/HttpServerError"
import { isPlatformError } from "effect/PlatformError"

/** A started emulator (with `close()` to stop it), or why it could not start. */
export type Started =
  | { readonly _tag: "Started"; readonly emulator: RunningEmulator }
  | { readonly _tag: "Failed"; readonly cannot: "listen" | "directory"; readonly reason: string }

/** Starts an emulator; never rejects for a start failure (a port in use, a spill directory it cannot make). */
export const start = (options: EmulatorOptions): Promise<Started> =>
  startEmulator(options).then(
    (emulator): Started => ({ _tag: "Started", emulator }),
    (error: unknown): Started => {
      if (error instanceof ServeError || isPlatformError(error)) return { _tag: "Failed", ...describeStartError(error) }
      throw error
    }
  )
