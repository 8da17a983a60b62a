/**
 * The end of every command that can fail: print the failure once (the JSON error object on stdout
 * with `--json`, the error's message on stderr otherwise) and exit with its code; the advice the
 * CLI adds in its own terms (flags, not library options); and the message printed when the user
 * interrupts a command.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type * as Stdio from "effect/Stdio"
import { timeoutVariable } from "./CommonFlags.ts"
import { CliExit, type CliFailure, exitCodeOf, reported } from "./Failure.ts"
import * as Output from "./Output.ts"
import * as Streams from "./Streams.ts"
import * as Usage from "./Usage.ts"

/** Lines of advice a command adds after a failure's message, when it has any. */
export type Note = (failure: CliFailure) => Effect.Effect<string | undefined>

/**
 * Advice in the CLI's terms for a failure to reach the server: for an idle timeout, the flags
 * that change what is sent (the library's message names its options; `--concurrency` and
 * `--chunk-size` only where the command has them and the request carried a segment); for a base
 * URL the user set, the flag or variable it was set with (`baseUrlChosenBy`).
 */
export const networkNote = (baseUrlChosenBy: string | undefined, segmentFlags = true): Note => (failure) =>
  Effect.sync(() => {
    if (failure._tag === "UploadStalled") {
      // The upload already sent fewer and smaller segments: more idle time is what is left to change.
      return `To allow more idle time: --timeout SECONDS (or ${timeoutVariable}); the default is 60.`
    }
    if (failure._tag !== "NetworkError") return undefined
    const lines: Array<string> = []
    if (failure.hostIsOverride === true && baseUrlChosenBy !== undefined) {
      lines.push(`That base URL was set with ${baseUrlChosenBy}.`)
    }
    if (failure.timedOut) {
      const segments = segmentFlags && (failure.step === "APPEND" || failure.step === "UPLOAD")
      lines.push(
        `On a slow or unsteady link: raise --timeout SECONDS (or ${timeoutVariable})${
          segments ? ", or lower --concurrency and --chunk-size" : ""
        }.`
      )
    }
    return lines.length === 0 ? undefined : lines.join("\n")
  })

/** The notes that apply, one after the other. */
export const notes = (...all: ReadonlyArray<Note>): Note => (failure) =>
  Effect.map(Effect.forEach(all, (note) => note(failure)), (found) => {
    const lines = found.filter((line): line is string => line !== undefined)
    return lines.length === 0 ? undefined : lines.join("\n")
  })

/**
 * Prints a failure of `self` (its message on stderr; with `--json` also the error object on stdout)
 * and fails with CliExit carrying its exit code. `command` names the subcommand in the hint printed
 * after a usage error; `note` may add lines of its own (how to resume, for example).
 */
export const reportFailure =
  (json: boolean, command: string, note?: Note) =>
  <A, R>(self: Effect.Effect<A, CliFailure, R>): Effect.Effect<A, CliExit, R | Stdio.Stdio> =>
    Effect.catch(self, (failure) => {
      const code = exitCodeOf(failure)
      const shown = reported(failure)
      return (note === undefined ? Effect.succeed(undefined) : note(failure)).pipe(
        Effect.map((added) => added ?? (shown._tag === "UsageError" ? Usage.hint(["x-media", command]) : undefined)),
        Effect.flatMap((hint) => Output.printError(shown, hint)),
        Effect.andThen(json ? Output.printJson(Output.errorJson(shown)) : Effect.void),
        Effect.andThen(Effect.fail(new CliExit({ code })))
      )
    })

/**
 * When `self` is interrupted (Ctrl-C, SIGTERM), prints `message` on stderr, and with `--json` an
 * `Interrupted` error object on stdout. The process then exits with 130 (SIGINT) or 143 (SIGTERM).
 */
export const onInterrupt =
  (json: boolean, message: Effect.Effect<string>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Stdio.Stdio> =>
    Effect.onInterrupt(self, () =>
      Effect.gen(function*() {
        const text = yield* message
        yield* Streams.err(`${text}\n`)
        if (json) yield* Output.printJson({ error: { _tag: "Interrupted", message: text } })
      }))
