/**
 * The end of every command that can fail: print the failure once (the JSON error object on stdout
 * with `--json`, the error's message on stderr otherwise) and exit with its code; and the message
 * printed when the user interrupts a command.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { type CliFailure, CliExit, exitCodeOf, usageExitCode } from "./Failure.ts"
import { Io } from "./Io.ts"
import * as Output from "./Output.ts"

/**
 * Prints a failure of `self` (its message on stderr; with `--json` also the error object on stdout)
 * and fails with CliExit carrying its exit code. `command` names the subcommand in the hint printed
 * after a usage error; `note` may add a line of its own (how to resume, for example).
 */
export const reportFailure = (json: boolean, command: string, note?: (failure: CliFailure) => string | undefined) =>
<A, R>(self: Effect.Effect<A, CliFailure, R>): Effect.Effect<A, CliExit, R | Io> =>
  Effect.catch(self, (failure) => {
    const code = exitCodeOf(failure)
    const hint = note?.(failure) ?? (code === usageExitCode ? `Run \`x-media ${command} --help\` for usage.` : undefined)
    return Output.printError(failure, hint).pipe(
      Effect.andThen(json ? Output.printJson(Output.errorJson(failure)) : Effect.void),
      Effect.andThen(Effect.fail(new CliExit({ code })))
    )
  })

/**
 * When `self` is interrupted (Ctrl-C, SIGTERM), prints `message` on stderr, and with `--json` an
 * `Interrupted` error object on stdout. The runtime then exits with code 130.
 */
export const onInterrupt = (json: boolean, message: () => string) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Io> =>
  Effect.onInterrupt(self, () =>
    Io.use((io) =>
      Effect.gen(function*() {
        const text = message()
        yield* io.err(`${text}\n`)
        if (json) yield* io.out(`${JSON.stringify({ error: { _tag: "Interrupted", message: text } })}\n`)
      })
    ))
