/**
 * The `x-media-emulator` command (see `Cli.ts`). Runs when imported: the package's launcher,
 * `bin/x-media-emulator.cjs`, checks the Node version and then imports the built form of this module;
 * in the repository, `npx tsx packages/emulator/src/bin.ts` runs the sources.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { command, version } from "./Cli.ts"

Command.run(command, { version }).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
