/**
 * The `x-media-emulator` command: `x-media-emulator [--host 127.0.0.1] [--port 0] [--no-processing]
 * [--check-after-secs 1]` (the flags of `x-media emulator`) runs the emulator in the foreground until interrupted (Ctrl-C, SIGTERM) and prints the environment a client needs, one
 * `NAME=value` line each, so a shell can `eval "$(x-media-emulator | head -6)"` or a test harness can read
 * them: `X_MEDIA_BASE_URL`, `X_API_KEY`, `X_API_SECRET`, `X_ACCESS_TOKEN`, `X_ACCESS_TOKEN_SECRET`,
 * `X_OAUTH2_ACCESS_TOKEN`.
 *
 * @module
 */
import { Console, Data, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as Runtime from "effect/Runtime"
import { createRequire } from "node:module"
import { describeStartError, Emulator, type EmulatorHandle } from "./Emulator.ts"

/** The `NAME=value` lines printed at start-up. */
export const environmentLines = (emulator: EmulatorHandle): ReadonlyArray<string> => [
  `X_MEDIA_BASE_URL=${emulator.url}`,
  `X_API_KEY=${emulator.credentials.consumerKey}`,
  `X_API_SECRET=${emulator.credentials.consumerSecret}`,
  `X_ACCESS_TOKEN=${emulator.credentials.accessToken}`,
  `X_ACCESS_TOKEN_SECRET=${emulator.credentials.accessTokenSecret}`,
  `X_OAUTH2_ACCESS_TOKEN=${emulator.credentials.oauth2Token}`
]

/** The package's version (from its package.json, one level above both src/ and dist/): what `--version` prints. */
export const version: string = (() => {
  const manifest: unknown = createRequire(import.meta.url)("../package.json")
  return typeof manifest === "object" && manifest !== null && "version" in manifest &&
      typeof manifest.version === "string"
    ? manifest.version
    : "unknown"
})()

/**
 * The emulator could not start, and said why in one line on stderr: the process exits 1 and the
 * runtime logs nothing more (no stack trace).
 */
export class StartFailed extends Data.TaggedError("StartFailed")<{ readonly reason: string }> {
  override readonly [Runtime.errorExitCode]: number = 1
  override readonly [Runtime.errorReported]: boolean = false
}

/** `x-media-emulator` with the flags of `x-media emulator`: where it listens and how it processes media. */
export const command = Command.make(
  "x-media-emulator",
  {
    host: Flag.String("host").pipe(
      Flag.withDefault("127.0.0.1"),
      Flag.filter((host) => host.trim() !== "", () => "an interface, e.g. 127.0.0.1"),
      Flag.withDescription("Interface to listen on (default 127.0.0.1).")
    ),
    port: Flag.Int("port").pipe(
      Flag.withDefault(0),
      Flag.filter((port) => port >= 0 && port <= 65535, () => "a port from 0 to 65535"),
      Flag.withDescription("Port to listen on (default 0: a free port, printed in X_MEDIA_BASE_URL).")
    ),
    processing: Flag.Boolean("processing").pipe(
      Flag.withDefault(true),
      Flag.withDescription("Process video and GIF asynchronously, as X does (--no-processing: ready at FINALIZE).")
    ),
    checkAfterSecs: Flag.Int("check-after-secs").pipe(
      Flag.withDefault(1),
      Flag.filter((secs) => secs >= 0, () => "a whole number of seconds, 0 or more"),
      Flag.withMetavar("SECONDS"),
      Flag.withDescription("check_after_secs the emulator answers while processing (default 1).")
    )
  },
  ({ checkAfterSecs, host, port, processing }) =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      yield* Console.log(environmentLines(emulator).join("\n"))
      yield* Console.error(`x-media emulator listening on ${emulator.url} (v1.1 and v2); Ctrl-C stops it.`)
      return yield* Effect.never
    }).pipe(
      Effect.provide(Emulator.layer({ host, port, processing: { enabled: processing, checkAfterSecs } })),
      Effect.catch((error) => {
        const { cannot, reason } = describeStartError(error)
        const line = cannot === "listen"
          ? `could not listen on ${host}:${port}: ${reason}. Choose another --port or --host.`
          : `could not create its directory for uploaded bytes: ${reason}. Check that the temporary directory (TMPDIR) is writable.`
        return Effect.andThen(Console.error(`x-media-emulator: ${line}`), Effect.fail(new StartFailed({ reason })))
      })
    )
)
