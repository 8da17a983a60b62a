/**
 * The `x-media-emulator` command (see `Cli.ts`). Runs when imported: the package's launcher,
 * `bin/x-media-emulator.cjs`, checks the Node version and then imports the built form of this module;
 * in the repository, `npx tsx packages/emulator/src/bin.ts` runs the sources.
 *
 * SIGINT and SIGTERM stop it (the server closes, its spill directory is removed) and it exits with 130 or
 * 143, the shell's 128 + signal number, as `x-media` does.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Exit, Option } from "effect"
import { CliError, Command } from "effect/cli"
import { defaultTeardown, type Teardown } from "effect/Runtime"
import { command, version } from "./Cli.ts"

/** The last signal received; runMain interrupts the command on both, we pick the exit code. */
let signal: "SIGINT" | "SIGTERM" | undefined
process.on("SIGINT", () => (signal = "SIGINT"))
process.on("SIGTERM", () => (signal = "SIGTERM"))

/** A command line that cannot be used (an unknown flag, a value out of range): exit 2, as `x-media` does. */
const isUsageError = (exit: Exit.Exit<unknown, unknown>): boolean =>
  Exit.isFailure(exit) && Option.exists(Cause.findErrorOption(exit.cause), CliError.isCliError)

/**
 * An interrupted run exits 130, the SIGINT code; after a SIGTERM it exits 143 instead. A usage error
 * exits 2.
 */
const teardown: Teardown = (exit, onExit) =>
  isUsageError(exit)
    ? onExit(2)
    : defaultTeardown(exit, (code) => onExit(code === 130 && signal === "SIGTERM" ? 143 : code))

Command.run(command, { version }).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain({ teardown }))
