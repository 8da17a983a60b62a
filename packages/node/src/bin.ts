#!/usr/bin/env -S npx tsx
/**
 * The `x-media` command. Run it with `npx tsx packages/node/src/bin.ts …` (Node 22), or through
 * the package's `bin` entry. SIGINT/SIGTERM interrupt the running command (requests in flight are
 * aborted, a `--session` file is kept) and the process exits with code 130.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Io from "./cli/Io.ts"
import { main } from "./cli/Main.ts"
import * as Presenter from "./cli/Presenter.ts"

const services = Layer.mergeAll(NodeServices.layer, Presenter.layer.pipe(Layer.provideMerge(Io.layerProcess)))

main.pipe(Effect.provide(services), NodeRuntime.runMain({ disableErrorReporting: true }))
