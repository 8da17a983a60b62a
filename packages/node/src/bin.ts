#!/usr/bin/env -S npx tsx
/**
 * The `x-media` command. Run it with `npx tsx packages/node/src/bin.ts …` (Node 22), or through
 * the package's `bin` entry. SIGINT/SIGTERM interrupt the running command (requests in flight are
 * aborted, a `--session` file is kept) and the process exits with code 130.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { main } from "./cli/Main.ts"
import * as Runtime from "./cli/Runtime.ts"

main.pipe(Effect.provide(Runtime.layer), NodeRuntime.runMain({ disableErrorReporting: true }))
