/**
 * How the CLI fails: a usage error (exit code 2), any typed x-media error (exit code 1; 2 for the
 * configuration errors found before any request), and `CliExit`, the marker a command fails with
 * once it has printed its error, which tells the runtime the exit code and that nothing is left
 * to report.
 *
 * @module
 */
import type { Errors } from "@x-media/core"
import * as Data from "effect/Data"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
/** Exit code of a typed failure (upload, network, X's answer …). */
export const failureExitCode = 1

/** Exit code of a usage or configuration error found before any request. */
export const usageExitCode = 2

/** Exit code after an interruption by Ctrl-C (SIGINT); the bin turns it into 143 after a SIGTERM. */
export const interruptedExitCode = 130

/**
 * The command line (or a setting from the environment) cannot work as given: a flag with a bad
 * value (`option` and `value` say which), conflicting flags, an unusable session file. Every usage
 * error of the CLI has this one tag and, with an option, the one form
 * `Invalid --concurrency "abc": must be a whole number from 1 to 16`.
 */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  /** The flag (`--concurrency`), argument (`<file>`) or variable (`X_MEDIA_API`) at fault. */
  option: Schema.optionalKey(Schema.String),
  /** The value given. */
  value: Schema.optionalKey(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return this.option === undefined
      ? this.detail
      : `Invalid ${this.option}${this.value === undefined ? "" : ` ${JSON.stringify(this.value)}`}: ${this.detail}`
  }
}

/**
 * The embedded emulator (`--emulator`, `x-media emulator`) could not start: it could not listen on
 * the address given with `--port`/`--host` (`address`: a port in use, an address not on this
 * machine) or on a free port (`listen`), or not create its directory (`directory`).
 */
export class EmulatorFailed extends Schema.TaggedError<EmulatorFailed>()("EmulatorFailed", {
  detail: Schema.String,
  reason: Schema.Literals(["address", "listen", "directory"])
}) {
  override get message(): string {
    const advice = this.reason === "address"
      ? "Choose another --port or --host."
      : this.reason === "listen"
      ? "Run the command again."
      : "Check that the temporary directory (TMPDIR) is writable."
    return `The emulator could not start: ${this.detail}. ${advice}`
  }
}

/**
 * Standard input (`-`) brought more bytes than X takes for any media it could be: reading stopped
 * there, so an endless pipe cannot fill the disk.
 */
export class StandardInputTooLarge extends Schema.TaggedError<StandardInputTooLarge>()("StandardInputTooLarge", {
  /** The most bytes X takes for the category (the largest category's when none was given). */
  limit: Schema.Int,
  category: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    const of = this.category === undefined ? "any media category" : this.category
    // X would refuse the same bytes given by path: the limit is X's, not the pipe's.
    const advice = this.category === undefined
      ? "X takes no larger media: compress or shorten it."
      : `Compress or shorten it, or give the --category that fits the media if ${this.category} does not.`
    return `Standard input has more than ${this.limit} bytes, X's limit for ${of}; reading stopped there and nothing was sent. ${advice}`
  }
}

/**
 * A fleet command (`worker`, `fleet status`, `upload --durable`) ran where @x-media/fleet, an
 * optional peer of @x-media/node, is not installed.
 */
export class FleetNotInstalled extends Schema.TaggedError<FleetNotInstalled>()("FleetNotInstalled", {
  /** The package to install. */
  package: Schema.String
}) {
  override get message(): string {
    return `The fleet commands need ${this.package}, which is not installed: run \`npm install ${this.package}\` next to @x-media/node.`
  }
}

/**
 * A fleet command could not use the fleet's PostgreSQL (`X_MEDIA_DATABASE_URL`) or, for a worker,
 * its Redis (`X_MEDIA_REDIS_URL`): the server is down, or the address or the credentials in the URL
 * are wrong.
 */
export class FleetUnreachable extends Schema.TaggedError<FleetUnreachable>()("FleetUnreachable", {
  /** The variable that gave the address. */
  variable: Schema.Literals(["X_MEDIA_DATABASE_URL", "X_MEDIA_REDIS_URL"]),
  detail: Schema.String
}) {
  override get message(): string {
    return this.variable === "X_MEDIA_DATABASE_URL"
      ? `The fleet's PostgreSQL (${this.variable}) could not be used: ${this.detail}. Check that PostgreSQL runs at that address and that ${this.variable} is right (user, password, database).`
      : `The fleet's Redis (${this.variable}) could not be used: ${this.detail}. Check that Redis runs at that address and that ${this.variable} is right.`
  }
}

/**
 * `x-media worker` could not listen where the other workers are to reach it: the address given
 * with `--listen` is in use or not on this machine (`address`), or, without it, the free port it
 * found was taken before it listened.
 */
export class WorkerListenFailed extends Schema.TaggedError<WorkerListenFailed>()("WorkerListenFailed", {
  /** `--listen` as given, when it was. */
  address: Schema.optionalKey(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return this.address === undefined
      ? `The worker could not listen on a free port: ${this.detail}. Start it again, or give an address with --listen HOST:PORT.`
      : `The worker could not listen on ${this.address} (--listen): ${this.detail}. Give another HOST:PORT with --listen, or leave --listen out for a free port.`
  }
}

/** Everything a CLI command can fail with before it prints: x-media's typed errors and the CLI's own. */
export type CliFailure =
  | Errors.XMediaError
  | UsageError
  | EmulatorFailed
  | StandardInputTooLarge
  | FleetNotInstalled
  | FleetUnreachable
  | WorkerListenFailed

/**
 * The failure as the CLI reports it: a bad option value (`InvalidOption` from the library) is a
 * `UsageError` like every other usage error.
 */
export const reported = (failure: CliFailure): Exclude<CliFailure, Errors.InvalidOption> =>
  failure._tag === "InvalidOption"
    ? new UsageError({ option: failure.option, value: failure.value, detail: failure.detail })
    : failure

/**
 * The exit code for a failure: 2 for usage errors and configuration errors found before any
 * request (`InvalidOption`, `MissingCredentials`, `AuthUnsupported`), 1 for everything else.
 */
export const exitCodeOf = (failure: CliFailure): number => {
  switch (failure._tag) {
    case "UsageError":
    case "InvalidOption":
    case "MissingCredentials":
    case "AuthUnsupported":
    case "FleetNotInstalled":
      return usageExitCode
    default:
      return failureExitCode
  }
}

/**
 * The failure was printed already; the process should exit with `code`. Carries the runtime's
 * markers so `NodeRuntime.runMain` uses the code and logs nothing.
 */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {
  override readonly [Runtime.errorExitCode]: number = this.code
  override readonly [Runtime.errorReported]: boolean = false
}
