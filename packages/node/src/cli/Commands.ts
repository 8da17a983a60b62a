/**
 * The subcommands of `x-media` as `--help` shows them: names, arguments, flags and descriptions. Each
 * handler is in its own module (`UploadCommand`, `StatusCommand`, `EmulatorCommand`, `PostCommand`,
 * `FleetCommands`), imported
 * with `import()` only when its command runs, so `--help`, `--version` or a usage error load none of them
 * (and the bundled bin evaluates only this tree: scripts/bundle-bin.mjs splits the handlers into chunks).
 *
 * @module
 */
import * as Credentials from "@x-media/core/Credentials"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as CommonFlags from "./CommonFlags.ts"
import * as UploadFlags from "./UploadFlags.ts"

/** An emulator credential flag's value: printed unless it came from the environment. */
export interface Given {
  readonly value: string
  readonly origin: "flag" | "environment"
}

const names = Credentials.EnvNames

/** A credential flag, falling back to its variable (blank counts as not set). */
const credential = (name: string, variable: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("VALUE"),
    Flag.withDescription(description),
    Flag.map((value): Given => ({ value, origin: "flag" })),
    Flag.withFallbackConfig(
      Config.String(variable).pipe(Config.map((value): Given => ({ value, origin: "environment" })))
    ),
    Flag.optional
  )

const uploadConfig = {
  files: Argument.String("file").pipe(
    Argument.withDescription("The images, GIFs or videos to upload; - reads one from standard input."),
    Argument.atLeast(1)
  ),
  ...CommonFlags.client,
  ...UploadFlags.flags,
  json: CommonFlags.json,
  emulator: Flag.Boolean("emulator").pipe(
    Flag.withDescription(
      "Start a local X emulator in this process and upload to it with its credentials (no X account needed)."
    ),
    Flag.withDefault(false)
  ),
  session: Flag.String("session").pipe(
    Flag.withMetavar("FILE"),
    Flag.withDescription(
      "Save the upload session in FILE as it goes; if FILE holds a session, resume it. Deleted after success. One file only."
    ),
    Flag.optional
  ),
  durable: Flag.Boolean("durable").pipe(
    Flag.withDescription(
      "Submit the upload to the fleet (X_MEDIA_DATABASE_URL) and wait for it; interrupted, it goes on there, and the same command waits for it again. One file only."
    ),
    Flag.withDefault(false)
  )
} as const

/** `x-media upload <file…> [flags]`; the handler is loaded when it runs. */
export const upload = Command.make(
  "upload",
  uploadConfig,
  (input) => Effect.flatMap(Effect.promise(() => import("./UploadCommand.ts")), (module) => module.handler(input))
).pipe(
  Command.withDescription(
    "Upload images, GIFs or videos to X: INIT, APPEND (in parallel), FINALIZE, then wait for processing. " +
      "Prints each media id on stdout (the result object with --json; {\"media\":[…]} for several files)."
  )
)

const statusConfig = {
  mediaId: Argument.String("media-id").pipe(Argument.withDescription("The media id (digits) that INIT returned.")),
  ...CommonFlags.client,
  wait: Flag.Boolean("wait").pipe(
    Flag.withDescription("Poll as X's check_after_secs says until the media is ready (or failed)."),
    Flag.withDefault(false)
  ),
  maxWait: UploadFlags.maxWait,
  json: CommonFlags.json
} as const

/** `x-media status <media-id> [flags]`; the handler is loaded when it runs. */
export const status = Command.make(
  "status",
  statusConfig,
  (input) => Effect.flatMap(Effect.promise(() => import("./StatusCommand.ts")), (module) => module.handler(input))
).pipe(
  Command.withDescription(
    "Show where X is with a media (pending, in_progress, succeeded); with --wait, wait until it is ready."
  )
)

const emulatorConfig = {
  host: Flag.String("host").pipe(
    Flag.withDescription("Interface to listen on (default 127.0.0.1)."),
    Flag.withDefault("127.0.0.1")
  ),
  // Numbers are read as text and checked in checkInput, so "abc" and "70000" get the same message.
  port: Flag.String("port").pipe(
    Flag.withMetavar("N"),
    Flag.withDescription("Port to listen on (default 0: a free port, printed in X_MEDIA_BASE_URL)."),
    Flag.withDefault("0")
  ),
  processing: Flag.Boolean("processing").pipe(
    Flag.withDescription("Process video and GIF asynchronously, as X does (--no-processing: ready at FINALIZE)."),
    Flag.withDefault(true)
  ),
  checkAfterSecs: Flag.String("check-after-secs").pipe(
    Flag.withMetavar("SECONDS"),
    Flag.withDescription("check_after_secs the emulator answers while processing (default 1)."),
    Flag.withDefault("1")
  ),
  apiKey: credential("api-key", names.consumerKey, "API key to accept (default X_API_KEY, else generated)."),
  apiSecret: credential(
    "api-secret",
    names.consumerSecret,
    "API secret to accept (default X_API_SECRET, else generated)."
  ),
  accessToken: credential(
    "access-token",
    names.accessToken,
    "Access token to accept (default X_ACCESS_TOKEN, else generated)."
  ),
  accessTokenSecret: credential(
    "access-token-secret",
    names.accessTokenSecret,
    "Access token secret to accept (default X_ACCESS_TOKEN_SECRET, else generated)."
  ),
  oauth2Token: credential(
    "oauth2-token",
    names.oauth2AccessToken,
    "OAuth 2.0 token to accept (default X_OAUTH2_ACCESS_TOKEN, else generated)."
  )
} as const

/** `x-media emulator [flags]`; the handler is loaded when it runs. */
export const emulator = Command.make(
  "emulator",
  emulatorConfig,
  (input) => Effect.flatMap(Effect.promise(() => import("./EmulatorCommand.ts")), (module) => module.handler(input))
).pipe(
  Command.withDescription(
    "Run a local X media upload emulator (both API dialects) in the foreground and print the settings " +
      "(X_MEDIA_BASE_URL and credentials) to upload to it."
  )
)

const postConfig = {
  files: Argument.String("file").pipe(
    Argument.withDescription("The images (up to 4), GIF or video of the post, in the order shown."),
    Argument.variadic()
  ),
  text: Flag.String("text").pipe(
    Flag.withMetavar("TEXT"),
    Flag.withDescription(
      "The post's text: at most 280 as X counts it (URLs 23, emoji and CJK 2). May be empty with media."
    ),
    Flag.withDefault("")
  ),
  altTexts: Flag.String("alt-text").pipe(
    Flag.withMetavar("TEXT"),
    Flag.withDescription("Alt text of an image or GIF; repeat it for each file, in the order of the files."),
    Flag.atLeast(0)
  ),
  subtitles: Flag.String("subtitles").pipe(
    Flag.withMetavar("FILE"),
    Flag.withDescription("An SRT or WebVTT file attached to the post's video (with --language)."),
    Flag.optional
  ),
  language: Flag.String("language").pipe(
    Flag.withMetavar("CODE"),
    Flag.withDescription("The subtitles' language: two letters (ISO 639-1), for example EN."),
    Flag.optional
  ),
  replyTo: Flag.String("reply-to").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("The id of the post this one replies to."),
    Flag.optional
  ),
  quote: Flag.String("quote").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("The id of the post this one quotes."),
    Flag.optional
  ),
  chunkSize: UploadFlags.chunkSize,
  concurrency: UploadFlags.concurrency,
  maxWait: UploadFlags.maxWait,
  chunked: UploadFlags.chunked,
  ...CommonFlags.client,
  json: CommonFlags.json,
  emulator: Flag.Boolean("emulator").pipe(
    Flag.withDescription(
      "Start a local X emulator in this process and post to it with its credentials (no X account needed)."
    ),
    Flag.withDefault(false)
  )
} as const

/** `x-media post --text TEXT FILE… [flags]`; the handler is loaded when it runs. */
export const post = Command.make(
  "post",
  postConfig,
  (input) => Effect.flatMap(Effect.promise(() => import("./PostCommand.ts")), (module) => module.handler(input))
).pipe(
  Command.withDescription(
    "Post to X with media: uploads the files concurrently, waits until X has processed each, sets alt text and " +
      "subtitles, then creates the post once. Prints the post id on stdout (the result object with --json)."
  )
)

/** `x-media worker [--concurrency N] [--listen HOST:PORT]`; the handler is loaded when it runs. */
export const worker = Command.make("worker", {
  concurrency: Flag.String("concurrency").pipe(
    Flag.withMetavar("N"),
    Flag.withDescription("Requests to X this worker has in flight at once, over all its uploads (default 8)."),
    Flag.optional
  ),
  listen: Flag.String("listen").pipe(
    Flag.withMetavar("HOST:PORT"),
    Flag.withDescription(
      "Where the other workers reach this one (default: 127.0.0.1 and a free port, for one machine)."
    ),
    Flag.optional
  ),
  timeout: CommonFlags.timeout,
  maxRateLimitWait: CommonFlags.maxRateLimitWait
}, (input) =>
  Effect.flatMap(
    Effect.promise(() => import("./FleetCommands.ts")),
    (module) => module.workerHandler(input)
  )).pipe(
    Command.withDescription(
      "Join the fleet (X_MEDIA_DATABASE_URL, X_MEDIA_REDIS_URL) and run durable uploads for the user of the " +
        "environment's credentials until SIGTERM or SIGINT, then hand them over."
    )
  )

/** `x-media fleet status [--json]`; the handler is loaded when it runs. */
const fleetStatus = Command.make("status", { json: CommonFlags.json }, (input) =>
  Effect.flatMap(
    Effect.promise(() => import("./FleetCommands.ts")),
    (module) => module.statusHandler(input)
  )).pipe(
    Command.withDescription(
      "The uploads in the fleet: state, media id, progress and the worker that moved each on last."
    )
  )

/** `x-media fleet …` */
export const fleet = Command.make("fleet").pipe(
  Command.withDescription("The fleet of upload workers (X_MEDIA_DATABASE_URL)."),
  Command.withSubcommands([fleetStatus])
)
