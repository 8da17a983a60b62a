/**
 * How the cli module's own output is shown: requested help and the version on stdout; a usage
 * error (and help shown because no command was given) on stderr, so stdout stays for results.
 * Colors only where the stream is a terminal.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CliOutput from "effect/cli/CliOutput"
import { Io, type IoShape } from "./Io.ts"

const noColor = (): boolean => (process.env["NO_COLOR"] ?? "") !== ""

/** A presenter writing through `io`. */
export const make = (io: IoShape): CliOutput.Presenter => {
  const onStdout = CliOutput.defaultFormatter({ colors: process.stdout.isTTY === true && !noColor() })
  const onStderr = CliOutput.defaultFormatter({ colors: io.errIsTerminal && !noColor() })
  return {
    present: (event) => {
      switch (event._tag) {
        case "Help":
          return event.reason === "Requested"
            ? io.out(`${onStdout.formatHelpDoc(event.helpDoc)}\n`)
            : io.err(`${onStderr.formatHelpDoc(event.helpDoc)}\n`)
        case "InvalidInvocation":
          return io.err(
            `${onStderr.formatErrors(event.errors)}\nRun \`${event.commandPath.join(" ")} --help\` for usage.\n`
          )
        case "Version":
          return io.out(`${onStdout.formatVersion(event.name, event.version)}\n`)
      }
    }
  }
}

/** The presenter over the `Io` in context. */
export const layer: Layer.Layer<never, never, Io> = Layer.unwrap(
  Io.use((io) => Effect.succeed(CliOutput.layerPresenter(make(io))))
)
