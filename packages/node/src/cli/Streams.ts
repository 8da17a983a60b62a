/**
 * Where the CLI writes, through effect's `Stdio` and `Terminal` services: stdout for results (the
 * media id, or the one JSON object of `--json`), stderr for everything meant for people (progress,
 * summaries, errors). Tests provide `Stdio.layerTest` and a recording terminal instead of the
 * process's streams.
 *
 * @module
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import type * as Sink from "effect/Sink"
import * as Stdio from "effect/Stdio"
import * as Stream from "effect/Stream"
import * as Terminal from "effect/Terminal"

type TextSink = Sink.Sink<void, string | Uint8Array, never, PlatformError.PlatformError>

const write = (sinkOf: (stdio: Stdio.Stdio) => TextSink) => (text: string): Effect.Effect<void, never, Stdio.Stdio> =>
  Stdio.Stdio.use((stdio) =>
    // A reader that went away (`x-media … | head -1`) must not fail the command: a failed write is dropped.
    Stream.run(Stream.succeed(text), sinkOf(stdio)).pipe(Effect.ignore)
  )

/** Writes `text` to stdout, as is. */
export const out: (text: string) => Effect.Effect<void, never, Stdio.Stdio> = write((stdio) => stdio.stdout())

/** Writes `text` to stderr, as is. */
export const err: (text: string) => Effect.Effect<void, never, Stdio.Stdio> = write((stdio) => stdio.stderr())

/** `TERM`: `dumb` terminals take no cursor control. */
const term = Config.option(Config.String("TERM")).pipe(Config.orElse(() => Config.succeed(Option.none<string>())))

/**
 * True when stderr is an interactive terminal that understands cursor control (progress bars):
 * a terminal, and `TERM` is not `dumb`.
 */
export const errAnimates: Effect.Effect<boolean, never, Stdio.Stdio> = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  if (!(yield* stdio.stderrIsTerminal)) return false
  const value = yield* Effect.orElseSucceed(term, () => Option.none<string>())
  return Option.getOrUndefined(value) !== "dumb"
})

/** The width of the terminal people see (stderr's, see `Runtime.layer`) in columns; 80 when unknown. */
export const columns: Effect.Effect<number, never, Terminal.Terminal> = Effect.map(
  Terminal.Terminal.use((terminal) => terminal.columns),
  (n) => (n > 0 ? n : 80)
)
