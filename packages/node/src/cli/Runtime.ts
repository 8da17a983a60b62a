/**
 * The services the `x-media` command runs on in a Node process: `NodeServices` (file system,
 * path, `Stdio` over the process's streams, child processes), with the `Terminal` being stderr's
 * (progress bars are drawn on stderr, as stdout is for results), and writes to a reader that went
 * away (`x-media … | head -1`, EPIPE) dropped instead of crashing the upload.
 *
 * @module
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Terminal from "effect/Terminal"

/** Drops EPIPE errors of `stream`; other stream errors still surface. */
const ignoreClosedPipe = (stream: NodeJS.WriteStream): void => {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error
  })
}

const closedPipeGuard: Layer.Layer<never> = Layer.effectDiscard(Effect.sync(() => {
  ignoreClosedPipe(process.stdout)
  ignoreClosedPipe(process.stderr)
}))

/** Node's terminal, measured and written on stderr (keyboard input still comes from stdin). */
const stderrTerminal: Layer.Layer<Terminal.Terminal> = Layer.effect(
  Terminal.Terminal,
  Effect.map(NodeTerminal.make(), (terminal) =>
    Terminal.make({
      ...terminal,
      columns: Effect.sync(() => process.stderr.columns ?? 0),
      rows: Effect.sync(() => process.stderr.rows ?? 0),
      display: (text) => Effect.sync(() => void process.stderr.write(text))
    }))
)

/** Everything `Main.main` needs from the process. */
export const layer: Layer.Layer<NodeServices.NodeServices> = Layer.mergeAll(
  NodeServices.layer,
  stderrTerminal,
  closedPipeGuard
)
