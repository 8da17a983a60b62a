import type { Progress } from "@x-media/core"
import { ConfigProvider, Effect, Layer, Sink, Stdio, Terminal } from "effect"
import * as ProgressView from "../../src/cli/ProgressView.ts"

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

/** What a progress view draws for `events`, given one after the other, on a recorded stderr. */
export const drawn = (
  events: ReadonlyArray<Progress.UploadEvent>,
  terminal = false,
  options: ProgressView.Options = {},
  term?: string
) =>
  Effect.gen(function*() {
    const { layer, text } = recorder(terminal, term)
    yield* Effect.gen(function*() {
      const view = yield* ProgressView.make(options)
      for (const event of events) yield* view.listener(event)
      yield* view.settle
    }).pipe(Effect.provide(layer))
    return text()
  })
