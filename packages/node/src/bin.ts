/**
 * The `x-media` command. Runs when imported: the package's launcher, `bin/x-media.cjs`, checks the Node
 * version and then imports the built form of this module, in the same process, so the process a user
 * (or a supervisor) starts is the one that uploads. In the repository, `npx tsx packages/node/src/bin.ts …`
 * runs the sources.
 *
 * SIGINT and SIGTERM interrupt the running command: requests in flight are aborted, a `--session` file is
 * kept, and the process exits with 130 (SIGINT) or 143 (SIGTERM), the shell's 128 + signal number.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { defaultTeardown, type Teardown } from "effect/Runtime"
import { main } from "./cli/Main.ts"
import * as Runtime from "./cli/Runtime.ts"

/** The last signal received; runMain interrupts the command on both, we pick the exit code. */
let signal: "SIGINT" | "SIGTERM" | undefined
process.on("SIGINT", () => (signal = "SIGINT"))
process.on("SIGTERM", () => (signal = "SIGTERM"))

/** An interrupted run exits 130, the SIGINT code; after a SIGTERM it exits 143 instead. */
const teardown: Teardown = (exit, onExit) =>
  defaultTeardown(exit, (code) => onExit(code === 130 && signal === "SIGTERM" ? 143 : code))

main.pipe(Effect.provide(Runtime.layer), NodeRuntime.runMain({ disableErrorReporting: true, teardown }))
