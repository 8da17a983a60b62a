/**
 * The `x-media` command tree and how a run ends: exit code 0 on success, 1 for a typed failure,
 * 2 for a usage error (with `--json`, also as a JSON error object on stdout), 130 when interrupted.
 * Expected failures print their message only; an unexpected defect prints a short note (the stack
 * trace only with `X_MEDIA_DEBUG=1`).
 *
 * @module
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Stdio from "effect/Stdio"
import * as CliConfig from "effect/cli/CliConfig"
import type * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as EmulatorCommand from "./EmulatorCommand.ts"
import { CliExit, failureExitCode, usageExitCode } from "./Failure.ts"
import { Io } from "./Io.ts"
import * as StatusCommand from "./StatusCommand.ts"
import * as UploadCommand from "./UploadCommand.ts"
import * as FleetCommands from "./FleetCommands.ts"

/** The version `x-media --version` prints. */
export const version = "0.1.0"

/** `x-media` with its subcommands `upload`, `status` and `emulator`. */
export const command = Command.make("x-media").pipe(
  Command.withDescription(
    "Upload media to X (Twitter) the way the API expects, with progress, typed errors, resumable sessions, " +
      "and a local emulator. Credentials: X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET " +
      "(OAuth 1.0a) or X_OAUTH2_ACCESS_TOKEN (OAuth 2.0, v2 only)."
  ),
  Command.withSubcommands([
    UploadCommand.command,
    StatusCommand.command,
    EmulatorCommand.command,
    // The fleet: its package loads only when one of these runs.
    FleetCommands.workerCommand,
    FleetCommands.fleetCommand
  ])
)

const wantsJson = (args: ReadonlyArray<string>): boolean =>
  args.some((arg) => arg === "--json" || arg === "--json=true")

/** A parse error of the command line: printed by the presenter already; with `--json` also as JSON. */
const usageFailure = (error: CliError.CliError, args: ReadonlyArray<string>) =>
  Io.use((io) => {
    const errors = error._tag === "ShowHelp" ? error.errors : [error]
    const message = errors.length === 0
      ? "No command given: use x-media upload, x-media status or x-media emulator."
      : errors.map((e) => e.message).join(" ")
    if (errors.length === 0 && !wantsJson(args)) {
      return Effect.fail(new CliExit({ code: usageExitCode }))
    }
    return Effect.andThen(
      wantsJson(args)
        ? io.out(`${JSON.stringify({ error: { _tag: "UsageError", message } })}\n`)
        : Effect.void,
      Effect.fail(new CliExit({ code: usageExitCode }))
    )
  })

/** A defect: a bug, not an expected failure. */
const unexpected = (defect: unknown) =>
  Io.use((io) => {
    const debug = (process.env["X_MEDIA_DEBUG"] ?? "") !== ""
    const text = debug ? Cause.pretty(Cause.die(defect)) : defect instanceof Error ? defect.message : String(defect)
    return Effect.andThen(
      io.err(`x-media: unexpected internal error: ${text}\nPlease report it${debug ? "" : " (set X_MEDIA_DEBUG=1 for details)"}.\n`),
      Effect.fail(new CliExit({ code: failureExitCode }))
    )
  })

/** The built-in flags kept: --help, --version and --completions (no wizard prompts, no log levels). */
const cliConfig = CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions] })

/** Runs `x-media` with the process's arguments. Fails only with CliExit (already printed). */
export const main = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  const args = yield* stdio.args
  return yield* Command.runWith(command, { version })(args).pipe(
    Effect.provide(cliConfig),
    Effect.catch((error) => (error instanceof CliExit ? Effect.fail(error) : usageFailure(error, args))),
    Effect.catchDefect(unexpected)
  )
})
