/**
 * Starting `@x-media/emulator` inside the CLI's process, for `x-media upload --emulator` and
 * `x-media emulator`. It runs for the current scope and is closed with it.
 *
 * @module
 */
import { Emulator, type EmulatorHandle, type EmulatorOptions } from "@x-media/emulator"
import { Context, Effect, Layer, type Scope } from "effect"
import { EmulatorFailed } from "./Failure.ts"

/**
 * What `--emulator` runs with: processing on, answering `check_after_secs: 1` and two
 * `in_progress` answers, so a demo shows processing progress and still ends within seconds.
 */
export const demoOptions: EmulatorOptions = {
  processing: { enabled: true, checkAfterSecs: 1, inProgressSteps: 2 }
}

/** Starts an emulator for the current scope. Fails with EmulatorFailed when it cannot listen. */
export const start = (options: EmulatorOptions): Effect.Effect<EmulatorHandle, EmulatorFailed, Scope.Scope> =>
  Layer.build(Emulator.layer(options)).pipe(
    Effect.map((context) => Context.get(context, Emulator)),
    Effect.mapError((error) => new EmulatorFailed({ detail: error.message }))
  )
