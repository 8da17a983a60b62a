/**
 * How the CLI fails: a usage error (exit code 2), any typed x-media error (exit code 1; 2 for
 * `InvalidOption`, which is a wrong flag or setting), and `CliExit`, the marker a command fails
 * with once it has printed its error, which tells the runtime the exit code and that nothing is
 * left to report.
 *
 * @module
 */
import type { Errors } from "@x-media/core"
import * as Data from "effect/Data"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
/** Exit code of a typed failure (upload, network, X's answer …). */
export const failureExitCode = 1

/** Exit code of a usage error (bad flag, bad setting). */
export const usageExitCode = 2

/** The command line cannot work as given (conflicting flags, an unusable session file …). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** The embedded emulator (`--emulator`, `x-media emulator`) could not start (port in use, …). */
export class EmulatorFailed extends Schema.TaggedError<EmulatorFailed>()("EmulatorFailed", {
  detail: Schema.String
}) {
  override get message(): string {
    return `The emulator could not start: ${this.detail}. Choose another --port or --host.`
  }
}

/** Everything a CLI command can fail with before it prints: x-media's typed errors and the CLI's own. */
export type CliFailure = Errors.XMediaError | UsageError | EmulatorFailed

/** The exit code for a failure: 2 for usage errors and invalid options, 1 for everything else. */
export const exitCodeOf = (failure: CliFailure): number =>
  failure._tag === "UsageError" || failure._tag === "InvalidOption" ? usageExitCode : failureExitCode

/**
 * The failure was printed already; the process should exit with `code`. Carries the runtime's
 * markers so `NodeRuntime.runMain` uses the code and logs nothing.
 */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {
  override readonly [Runtime.errorExitCode]: number = this.code
  override readonly [Runtime.errorReported]: boolean = false
}
