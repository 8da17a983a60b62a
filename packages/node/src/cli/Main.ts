/**
 * The `x-media` command tree and how a run ends: exit code 0 on success, 1 for a typed failure,
 * 2 for a usage error (with `--json`, also as a JSON error object on stdout), 130 after SIGINT and 143 after SIGTERM.
 * Expected failures print their message only; an unexpected defect prints a short note (the stack
 * trace only with `X_MEDIA_DEBUG=1`). Everything is written through effect's `Stdio` and read
 * through `Config`, so tests run the whole command in process (`run`) with `Stdio.layerTest`.
 *
 * @module
 */
import * as Cause from "effect/Cause"
import * as CliConfig from "effect/cli/CliConfig"
import type * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stdio from "effect/Stdio"
import * as PackageVersion from "../PackageVersion.ts"
import * as Commands from "./Commands.ts"
import { CliExit, failureExitCode, usageExitCode } from "./Failure.ts"
import * as Output from "./Output.ts"
import * as Streams from "./Streams.ts"
import * as Usage from "./Usage.ts"

/** The version `x-media --version` prints: the package's (package.json). */
export const version: string = PackageVersion.version

/** `x-media` with its subcommands `upload`, `status`, `emulator`, `post`, `worker` and `fleet`. */
export const command = Command.make("x-media").pipe(
  Command.withDescription(
    "Upload media to X (Twitter) the way the API expects, with progress, typed errors, resumable sessions, " +
      "and a local emulator. Credentials: X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET " +
      "(OAuth 1.0a) or X_OAUTH2_ACCESS_TOKEN (OAuth 2.0, v2 only)."
  ),
  Command.withSubcommands([
    Commands.upload,
    Commands.status,
    Commands.emulator,
    Commands.post,
    // The fleet: its package loads only when one of these runs.
    Commands.worker,
    Commands.fleet
  ])
)

const wantsJson = (args: ReadonlyArray<string>): boolean =>
  args.some((arg) => arg === "--json" || arg === "--json=true")

/**
 * A parse error of the command line: printed on stderr by the presenter already; with `--json`
 * also as the JSON error object (the first usage error) on stdout.
 */
const usageFailure = (error: CliError.CliError, args: ReadonlyArray<string>) => {
  const errors = Usage.errorsOf(error)
  const first = errors[0]
  const json = !wantsJson(args)
    ? Effect.void
    : Output.printJson(Output.errorJson(
      first ??
        {
          _tag: "UsageError",
          message:
            "No command given: use x-media upload, x-media post, x-media status, x-media emulator, x-media worker or x-media fleet."
        }
    ))
  return Effect.andThen(json, Effect.fail(new CliExit({ code: usageExitCode })))
}

/**
 * `X_MEDIA_DEBUG`: set and not empty prints the stack trace of an unexpected error and keeps tracing on.
 * Never fails: an unreadable variable counts as unset.
 */
const debug = Config.option(Config.String("X_MEDIA_DEBUG")).pipe(
  Config.map(Option.exists((value) => value !== "")),
  Effect.orElseSucceed(() => false)
)

/** A defect: a bug, not an expected failure. */
const unexpected = (defect: unknown) =>
  Effect.gen(function*() {
    const verbose = yield* debug
    const text = verbose ? Cause.pretty(Cause.die(defect)) : defect instanceof Error ? defect.message : String(defect)
    yield* Streams.err(
      `x-media: unexpected internal error: ${text}\nPlease report it${
        verbose ? "" : " (set X_MEDIA_DEBUG=1 for details)"
      }.\n`
    )
    return yield* new CliExit({ code: failureExitCode })
  })

/** The built-in flags kept: --help, --version and --completions (no wizard prompts, no log levels). */
const cliConfig = CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions] })

/**
 * Runs `x-media` with `args` (without the program name). Fails only with CliExit (already
 * printed); succeeds for exit code 0.
 */
export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(command, { version })(args).pipe(
    Effect.provide(Layer.merge(cliConfig, Usage.layerPresenter)),
    Effect.catch((error) => (error instanceof CliExit ? Effect.fail(error) : usageFailure(error, args))),
    Effect.catchDefect(unexpected),
    withoutTracing
  )

/**
 * Tracing off unless `X_MEDIA_DEBUG` is set: the command exports no spans, and they cost CPU on every
 * request (several spans each; about 0.7 ms per APPEND, bench/RESULTS.md). With `X_MEDIA_DEBUG` they
 * stay, so a defect's trace names the steps it went through.
 */
const withoutTracing = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(debug, (verbose) => verbose ? self : Effect.withTracerEnabled(self, false))

/** Runs `x-media` with the arguments of `Stdio`. Fails only with CliExit (already printed). */
export const main = Effect.flatMap(Stdio.Stdio.use((stdio) => stdio.args), run)
