/**
 * The end of every command that can fail: print the failure once (the JSON error object on stdout
 * with `--json`, the error's message on stderr otherwise) and exit with its code; the advice the
 * CLI adds in its own terms (flags, not library options); and the message printed when the user
 * interrupts a command.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Stdio from "effect/Stdio"
import { givenByFlag, maxRateLimitWaitVariable, type Setting, timeoutVariable } from "./CommonFlags.ts"
import { CliExit, type CliFailure, exitCodeOf, reported } from "./Failure.ts"
import * as Output from "./Output.ts"
import * as Streams from "./Streams.ts"
import * as Usage from "./Usage.ts"

/** Lines of advice a command adds after a failure's message, when it has any. */
export type Note = (failure: CliFailure) => Effect.Effect<string | undefined>

/**
 * Advice in the CLI's terms for a failure to reach the server: for an idle timeout, the flags
 * that change what is sent (the library's message names its options; `--concurrency` and
 * `--chunk-size` only for a request that carried a segment, which only upload and post send); for a
 * base URL the user set, the flag or variable it was set with (`baseUrlChosenBy`).
 */
export const networkNote = (baseUrlChosenBy: string | undefined): Note => (failure) =>
  Effect.sync(() => {
    if (failure._tag === "RateLimited" && failure.usageCapped !== true) {
      // The library waits up to the bound and fails past it: the bound is what the user can change.
      return `To wait for the window instead: --max-rate-limit-wait SECONDS (or ${maxRateLimitWaitVariable}); the default is 900.`
    }
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
      const segments = failure.step === "APPEND" || failure.step === "UPLOAD"
      lines.push(
        `On a slow or unsteady link: raise --timeout SECONDS (or ${timeoutVariable})${
          segments ? ", or lower --concurrency and --chunk-size" : ""
        }.`
      )
    }
    return lines.length === 0 ? undefined : lines.join("\n")
  })

/**
 * Advice for a failure of `upload --durable`: the fleet's workers made the requests, so the bounds
 * to change are theirs (`x-media worker` refuses none of them), and the upload is then submitted again
 * (a failed durable upload starts over as its next attempt).
 */
export const fleetNote: Note = (failure) =>
  Effect.sync(() => {
    const again = "then run this command again."
    if (failure._tag === "RateLimited" && failure.usageCapped !== true) {
      return `To wait for the window instead: start the workers with --max-rate-limit-wait SECONDS (or ${maxRateLimitWaitVariable}; the default is 900), ${again}`
    }
    if (failure._tag === "UploadStalled" || (failure._tag === "NetworkError" && failure.timedOut)) {
      return `To allow more idle time: start the workers with --timeout SECONDS (or ${timeoutVariable}; the default is 60), ${again}`
    }
    return undefined
  })

/** What a command that talks to X was given: the flags that say which server, and `--emulator`. */
export interface ServerFlags {
  readonly api: Option.Option<Setting>
  readonly baseUrl: Option.Option<Setting>
  readonly auth: Option.Option<string>
  readonly emulator: boolean
}

/**
 * The command that waits for a media: `x-media status ID --wait` with the flags that reach the same
 * server and credentials (variables carry over by themselves); undefined under `--emulator`, which
 * ends with the command.
 */
export const statusCommandFor = (input: ServerFlags, mediaId: string): string | undefined => {
  if (input.emulator) return undefined
  const flags = [input.api, input.baseUrl].flatMap((setting) => {
    const chosen = givenByFlag(setting)
    return chosen === undefined ? [] : [`${chosen.from} ${chosen.value.trim()}`]
  })
  if (Option.isSome(input.auth)) flags.push(`--auth ${input.auth.value}`)
  return [`x-media status ${mediaId} --wait`, ...flags].join(" ")
}

/** After processing outlasted the wait: how to ask again with this command's settings, when those are flags. */
export const statusNote = (input: ServerFlags): Note => (failure) =>
  Effect.sync(() => {
    if (failure._tag !== "ProcessingTimeout" || failure.reason === "expiry") return undefined
    const command = statusCommandFor(input, failure.mediaId)
    if (command === undefined) return "The embedded emulator ended with this command, and the media with it."
    return command === `x-media status ${failure.mediaId} --wait` ? undefined : `To reach the same server: ${command}`
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
