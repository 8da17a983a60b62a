/**
 * Where the CLI writes: stdout for results (the media id, or the one JSON object of `--json`),
 * stderr for everything meant for people (progress, summaries, errors). A service so views can be
 * exercised against a recorded terminal.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
/** The CLI's two output streams and what is known about stderr's terminal. */
export interface IoShape {
  /** Writes to stdout, as is. */
  readonly out: (text: string) => Effect.Effect<void>
  /** Writes to stderr, as is. */
  readonly err: (text: string) => Effect.Effect<void>
  /** True when stderr is an interactive terminal that understands cursor control (progress bars). */
  readonly errIsTerminal: boolean
  /** The width of stderr's terminal in columns (80 when unknown). */
  readonly columns: () => number
}

/** The CLI's output streams. */
export class Io extends Context.Service<Io, IoShape>()("@x-media/node/cli/Io") {}

/** True when `stream` is a terminal that takes cursor control (not `TERM=dumb`). */
const isTerminal = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && process.env["TERM"] !== "dumb"

/**
 * A reader that went away (`x-media … | head -1`) must not crash the upload: writes to a closed
 * pipe (EPIPE) are dropped; other stream errors still surface.
 */
const ignoreClosedPipe = (stream: NodeJS.WriteStream): void => {
  if (stream.listenerCount("error") > 0) return
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error
  })
}

/** The process's stdout and stderr. */
export const layerProcess: Layer.Layer<Io> = Layer.sync(Io, () => {
  ignoreClosedPipe(process.stdout)
  ignoreClosedPipe(process.stderr)
  return Io.of({
    out: (text) => Effect.sync(() => void process.stdout.write(text)),
    err: (text) => Effect.sync(() => void process.stderr.write(text)),
    errIsTerminal: isTerminal(process.stderr),
    columns: () => {
      const columns = process.stderr.columns ?? 0
      return columns > 0 ? columns : 80
    }
  })
})

/** Writes one line (a newline is added) to stderr. */
export const line = (text: string): Effect.Effect<void, never, Io> => Io.use((io) => io.err(`${text}\n`))
