/**
 * Starting `@x-media/emulator` inside the CLI's process, for `x-media upload --emulator` and
 * `x-media emulator`. It runs for the current scope and is closed with it.
 *
 * @module
 */
import type { EmulatorHandle, EmulatorOptions } from "@x-media/emulator"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { EmulatorFailed } from "./Failure.ts"

/**
 * What `--emulator` runs with: processing on, answering `check_after_secs: 1` and two
 * `in_progress` answers, so a demo shows processing progress and still ends within seconds.
 */
export const demoOptions: EmulatorOptions = {
  processing: { enabled: true, checkAfterSecs: 1, inProgressSteps: 2 }
}

/**
 * Starts an emulator for the current scope. Fails with EmulatorFailed when it cannot listen. The
 * emulator's code is loaded only here, so commands that do not use it start faster.
 */
export const start = (options: EmulatorOptions): Effect.Effect<EmulatorHandle, EmulatorFailed, Scope.Scope> =>
  Effect.promise(() => import("@x-media/emulator")).pipe(
    Effect.flatMap(({ describeStartError, Emulator }) =>
      Layer.build(Emulator.layer(options)).pipe(
        Effect.map((context) => Context.get(context, Emulator)),
        Effect.mapError((error) => {
          const { cannot, reason } = describeStartError(error)
          return new EmulatorFailed({
            detail: reason,
            // `x-media emulator` gives the address from --port and --host; --emulator takes a free port.
            reason: cannot === "directory"
              ? "directory"
              : options.port !== undefined || options.host !== undefined
              ? "address"
              : "listen"
          })
        })
      )
    )
  )
