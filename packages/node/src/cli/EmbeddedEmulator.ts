/**
 * Starting `@x-media/emulator` inside the CLI's process, for `x-media upload --emulator` and
 * `x-media emulator`. It runs for the current scope and is closed with it.
 *
 * @module
 */
import type { EmulatorHandle, EmulatorOptions } from "@x-media/emulator"
import * as Effect from "effect/Effect"
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
 * emulator's code is loaded only here, so commands that do not use it start faster; the bundled CLI
 * loads it as a bundle of its own (see EmulatorRuntime).
 */
export const start = (options: EmulatorOptions): Effect.Effect<EmulatorHandle, EmulatorFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => import("#emulator-runtime").then((runtime) => runtime.start(options))),
    (started) => started._tag === "Started" ? Effect.promise(() => started.emulator.close()) : Effect.void
  ).pipe(
    Effect.flatMap((started) =>
      started._tag === "Started"
        ? Effect.succeed(started.emulator)
        : Effect.fail(
          new EmulatorFailed({
            detail: started.reason,
            // `x-media emulator` gives the address from --port and --host; --emulator takes a free port.
            reason: started.cannot === "directory"
              ? "directory"
              : options.port !== undefined || options.host !== undefined
              ? "address"
              : "listen"
          })
        )
    )
  )
