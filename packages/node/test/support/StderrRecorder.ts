import { ConfigProvider, Effect, Layer, Sink, Stdio, Terminal } from "effect"

/** Stderr recorded, as a terminal or not (TERM as given), 100 columns wide: what progress views draw on. */
export const recorder = (terminal: boolean, term = "xterm") => {
  const err: Array<string> = []
  const layer = Layer.mergeAll(
    Stdio.layerTest({
      stderr: () => Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void err.push(String(chunk)))),
      stderrIsTerminal: Effect.succeed(terminal)
    }),
    Layer.succeed(
      Terminal.Terminal,
      Terminal.make({
        columns: Effect.succeed(100),
        rows: Effect.succeed(40),
        size: Effect.die("unused"),
        readInput: Effect.die("unused"),
        readLine: Effect.die("unused"),
        display: () => Effect.void
      })
    ),
    ConfigProvider.layer(ConfigProvider.fromEnv({ env: { TERM: term } }))
  )
  return { layer, text: () => err.join("") }
}
