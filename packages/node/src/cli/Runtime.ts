/**
 * The services the `x-media` command runs on in a Node process: the file system, path, `Stdio` over
 * the process's streams, and the `Terminal`, stderr's (progress bars are drawn on stderr, as stdout is for results), and writes to a reader that went
 * away (`x-media … | head -1`, EPIPE) dropped instead of crashing the upload.
 *
 * @module
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import type * as Stdio from "effect/Stdio"
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

/**
 * effect's CLI lists a child-process spawner among the services a command may use; no x-media command
 * starts a process, so this one only dies, and Node's (with what it loads) stays out of every start.
 */
const noChildProcesses: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner> = Layer.succeed(
  ChildProcessSpawner.ChildProcessSpawner,
  ChildProcessSpawner.make(() => Effect.die(new Error("x-media starts no child process")))
)

/**
 * Everything `Main.main` needs from the process: the parts of `NodeServices` x-media uses, not the
 * whole of it.
 */
export const layer: Layer.Layer<
  FileSystem.FileSystem | Path.Path | Stdio.Stdio | Terminal.Terminal | ChildProcessSpawner.ChildProcessSpawner
> = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeStdio.layer,
  noChildProcesses,
  stderrTerminal,
  closedPipeGuard
)
