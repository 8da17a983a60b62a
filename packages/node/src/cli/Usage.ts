/**
 * Usage errors in one format and with one tag: the cli module's own parse errors (an unknown flag,
 * `--concurrency abc`, a missing argument) become the same `UsageError` as the checks made after
 * parsing (`--concurrency 0`), in plain words, with the hint to `--help`. Also the presenter of
 * the cli module's output: requested help and the version on stdout; help shown because no
 * command was given, and usage errors, on stderr, so stdout stays for results.
 *
 * @module
 */
import type * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stdio from "effect/Stdio"
import { UsageError } from "./Failure.ts"
import * as Streams from "./Streams.ts"

/** What the cli module expected, in plain words: `"v1" | "v2"` is "must be v1 or v2". */
const plainExpectation = (expected: string): string => {
  if (/integer/i.test(expected)) return "must be a whole number"
  if (/number/i.test(expected)) return "must be a number"
  const literals = expected.replace(/^Expected:?\s*/, "").split(" | ").map((part) => part.trim())
  if (literals.length > 1 && literals.every((part) => /^"[^"]*"$/.test(part))) {
    const names = literals.map((part) => part.slice(1, -1))
    return `must be ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`
  }
  return expected.replace(/^Expected:?\s*/, "must be ")
}

/** One of the cli module's parse errors as the CLI's UsageError. */
export const fromCliError = (error: CliError.CliError): UsageError => {
  switch (error._tag) {
    case "InvalidValue":
      return error.value === "" && error.kind === "flag"
        ? new UsageError({ option: `--${error.option}`, detail: `needs a value (${plainExpectation(error.expected)})` })
        : new UsageError({
          option: error.kind === "flag" ? `--${error.option}` : `<${error.option}>`,
          value: error.value,
          detail: plainExpectation(error.expected)
        })
    case "UnrecognizedOption":
      return new UsageError({
        detail: `Unknown flag ${error.option}.${
          error.suggestions.length > 0 ? ` Did you mean ${error.suggestions.join(" or ")}?` : ""
        }`
      })
    case "MissingOption":
      return new UsageError({ detail: `The flag --${error.option} is required.` })
    case "MissingArgument":
      return new UsageError({ detail: `The argument <${error.argument}> is required.` })
    case "UnexpectedArgument":
      return new UsageError({
        detail: `Unexpected ${error.arguments.length === 1 ? "argument" : "arguments"} ${
          error.arguments.map((a) => JSON.stringify(a)).join(", ")
        }.`
      })
    case "UnknownSubcommand":
      return new UsageError({
        detail: `Unknown command ${
          JSON.stringify(error.subcommand)
        }: use x-media upload, x-media post, x-media status, x-media emulator, x-media worker or x-media fleet.`
      })
    default:
      return new UsageError({ detail: error.message })
  }
}

/** The usage errors of a parse failure (none when help was shown because no command was given). */
export const errorsOf = (error: CliError.CliError): ReadonlyArray<UsageError> =>
  (error._tag === "ShowHelp" ? error.errors : [error]).map(fromCliError)

/** The line after a usage error: where to find the usage. */
export const hint = (commandPath: ReadonlyArray<string>): string => `Run \`${commandPath.join(" ")} --help\` for usage.`

/** The usage errors of one invocation, for people, as every usage error of the CLI is printed. */
export const describe = (errors: ReadonlyArray<UsageError>, commandPath: ReadonlyArray<string>): string =>
  `${errors.map((error) => `Error: ${error.message}\n`).join("")}${hint(commandPath)}\n`

/** `NO_COLOR`: set and not empty turns colors off. */
const noColor = Config.option(Config.String("NO_COLOR")).pipe(
  Config.map(Option.exists((value) => value !== "")),
  Config.orElse(() => Config.succeed(false))
)

/** The presenter of the cli module's output, writing through `Stdio`; colors only on a terminal. */
export const presenter: Effect.Effect<CliOutput.Presenter, never, Stdio.Stdio> = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  const colorless = yield* Effect.orElseSucceed(noColor, () => false)
  const onStdout = CliOutput.defaultFormatter({ colors: !colorless && (yield* stdio.stdoutIsTerminal) })
  const onStderr = CliOutput.defaultFormatter({ colors: !colorless && (yield* Streams.errAnimates) })
  const provided = <A>(effect: Effect.Effect<A, never, Stdio.Stdio>) =>
    Effect.provideService(effect, Stdio.Stdio, stdio)
  return {
    present: (event) => {
      switch (event._tag) {
        case "Help":
          return provided(
            event.reason === "Requested"
              ? Streams.out(`${onStdout.formatHelpDoc(event.helpDoc)}\n`)
              : Streams.err(`${onStderr.formatHelpDoc(event.helpDoc)}\n`)
          )
        case "InvalidInvocation":
          return provided(Streams.err(describe(event.errors.map(fromCliError), event.commandPath)))
        case "Version":
          return provided(Streams.out(`${onStdout.formatVersion(event.name, event.version)}\n`))
      }
    }
  }
})

/** The presenter over the `Stdio` in context. */
export const layerPresenter: Layer.Layer<never, never, Stdio.Stdio> = Layer.unwrap(
  Effect.map(presenter, CliOutput.layerPresenter)
)
