/**
 * Runs the `x-media` command tree in this process, as effect tests its own cli: `Main.run(args)`
 * under `Stdio.layerTest` (recording stdout and stderr, with a given standard input), a recording
 * terminal, and a `ConfigProvider` holding exactly the environment given. No child process, no
 * TypeScript loader: a run costs what the command does.
 */
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { ConfigProvider, Effect, Exit, Layer, Sink, Stdio, Stream, Terminal } from "effect"
import { CliExit } from "../../src/cli/Failure.ts"
import * as Main from "../../src/cli/Main.ts"

/** How a run ended: the exit code the process would have, and both output streams. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Standard input (default: empty). */
  readonly stdin?: Stream.Stream<Uint8Array> | undefined
  /** Whether stderr is an interactive terminal (default false: plain lines). */
  readonly terminal?: boolean | undefined
}

const recorder = () => {
  const chunks: Array<string> = []
  const decoder = new TextDecoder()
  const sink = Sink.forEach((chunk: string | Uint8Array) =>
    Effect.sync(() => void chunks.push(typeof chunk === "string" ? chunk : decoder.decode(chunk)))
  )
  return { sink, text: () => chunks.join("") }
}

/** A run in progress: what it has printed so far, and its end. */
export interface Running {
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Effect.Effect<CliRun>
}

/** Runs `x-media args…` with exactly `env` as its environment, to the end. */
export const runCli = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  options: RunOptions = {}
): Effect.Effect<CliRun> => Effect.suspend(() => start(args, env, options).exit)

/** Starts `x-media args…` (it runs when `exit` is run; fork that to watch its output as it goes). */
export const start = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  options: RunOptions = {}
): Running => {
  {
    const out = recorder()
    const err = recorder()
    const stdio = Stdio.layerTest({
      args: Effect.succeed(args),
      stdout: () => out.sink,
      stderr: () => err.sink,
      stdin: options.stdin ?? Stream.empty,
      stderrIsTerminal: Effect.succeed(options.terminal === true)
    })
    const terminal = Layer.succeed(
      Terminal.Terminal,
      Terminal.make({
        columns: Effect.succeed(100),
        rows: Effect.succeed(40),
        size: Effect.die("no terminal size in tests"),
        readInput: Effect.die("no terminal input in tests"),
        readLine: Effect.die("no terminal input in tests"),
        display: (text) => Stream.run(Stream.succeed(text), err.sink)
      })
    )
    const services = Layer.mergeAll(
      NodeChildProcessSpawner.layer.pipe(Layer.provideMerge(Layer.merge(NodeFileSystem.layer, NodePath.layer))),
      stdio,
      terminal,
      ConfigProvider.layer(ConfigProvider.fromEnv({ env: { NO_COLOR: "1", ...env } }))
    )
    const exit = Main.run(args).pipe(
      Effect.provide(services),
      Effect.exit,
      Effect.map((exit): CliRun => ({
        code: Exit.isSuccess(exit)
          ? 0
          : Exit.hasInterrupts(exit)
          ? 130
          : exitCode(exit),
        stdout: out.text(),
        stderr: err.text()
      }))
    )
    return { stdout: out.text, stderr: err.text, exit }
  }
}

const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  const error = Exit.findErrorOption(exit)
  return error._tag === "Some" && error.value instanceof CliExit ? error.value.code : -1
}
