/**
 * The emulator as the CLI starts it (`x-media emulator`, `--emulator`): a plain Promise API over
 * `@x-media/emulator`, whose answer is data, so that it works across copies of effect. The bundled
 * `x-media` loads it as a bundle of its own (`#emulator-runtime`, scripts/bundle-bin.mjs): the emulator's
 * server (effect's HTTP server, most of Schema, Stream) then stays out of the chunks every other command
 * loads, which start ~18 ms sooner for it (bench/RESULTS.md).
 *
 * @module
 */
import { describeStartError, Emulator, type EmulatorHandle, type EmulatorOptions } from "@x-media/emulator"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"

/** A started emulator with `close()` to stop it, or why it could not start. */
export type Started =
  | { readonly _tag: "Started"; readonly emulator: EmulatorHandle; readonly close: () => Promise<void> }
  | { readonly _tag: "Failed"; readonly cannot: "listen" | "directory"; readonly reason: string }

/** Starts an emulator; never rejects for a start failure (a port in use, a spill directory it cannot make). */
export const start = async (options: EmulatorOptions): Promise<Started> => {
  const runtime = ManagedRuntime.make(Emulator.layer(options))
  const exit = await runtime.runPromiseExit(Effect.service(Emulator))
  if (Exit.isSuccess(exit)) return { _tag: "Started", emulator: exit.value, close: () => runtime.dispose() }
  await runtime.dispose()
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) throw Cause.squash(exit.cause)
  return { _tag: "Failed", ...describeStartError(error.value) }
}
