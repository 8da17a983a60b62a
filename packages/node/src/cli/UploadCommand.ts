/**
 * `x-media upload <file>`: uploads one file (or resumes its saved session), showing progress on
 * stderr and printing the media id (or, with `--json`, the result object) on stdout.
 *
 * @module
 */
import { MediaSource, Upload, type UploadSession } from "@x-media/core"
import { Clock, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as NodeXMedia from "../NodeXMedia.ts"
import * as ClientSettings from "./ClientSettings.ts"
import * as CommonFlags from "./CommonFlags.ts"
import * as EmbeddedEmulator from "./EmbeddedEmulator.ts"
import * as Format from "./Format.ts"
import { Io } from "./Io.ts"
import * as Output from "./Output.ts"
import * as ProgressView from "./ProgressView.ts"
import * as Report from "./Report.ts"
import * as SessionFile from "./SessionFile.ts"
import * as UploadFlags from "./UploadFlags.ts"

const config = {
  file: Argument.String("file").pipe(Argument.withDescription("The image, GIF or video to upload.")),
  ...CommonFlags.client,
  ...UploadFlags.flags,
  json: CommonFlags.json,
  emulator: Flag.Boolean("emulator").pipe(
    Flag.withDescription("Start a local X emulator in this process and upload to it with its credentials (no X account needed)."),
    Flag.withDefault(false)
  ),
  session: Flag.String("session").pipe(
    Flag.withMetavar("FILE"),
    Flag.withDescription("Save the upload session in FILE as it goes; if FILE holds a session, resume it. Deleted after success."),
    Flag.optional
  )
} as const

/** The parsed command line of `x-media upload`. */
export interface UploadInput extends UploadFlags.UploadFlags, ClientSettings.ClientFlags {
  readonly file: string
  readonly json: boolean
  readonly emulator: boolean
  readonly session: Option.Option<string>
}

const describeSession = (session: UploadSession.UploadSession) =>
  `${session.segmentsDone.length} of ${Format.plural(session.segmentCount, "segment")} on X${
    session.finalized ? ", finalized" : ""
  }`

/** The upload: checks, client, optional emulator and session file, progress, result. */
const upload = (input: UploadInput) =>
  Effect.gen(function*() {
    const io = yield* Io
    const options = yield* UploadFlags.toUploadOptions(input)
    const emulator = input.emulator ? yield* EmbeddedEmulator.start(EmbeddedEmulator.demoOptions) : undefined
    if (emulator !== undefined) yield* io.err(`Started an X emulator at ${emulator.url}; uploading to it.\n`)
    const settings = yield* ClientSettings.resolve(input, emulator)
    const view = yield* ProgressView.make(io)

    const sessionFile = Option.isSome(input.session)
      ? yield* SessionFile.make(input.session.value, (detail) => view.settle.pipe(Effect.andThen(io.err(`Warning: ${detail}\n`))))
      : undefined
    let saved = sessionFile === undefined ? Option.none<UploadSession.UploadSession>() : yield* sessionFile.load
    if (Option.isSome(saved)) {
      const now = yield* Clock.currentTimeMillis
      if (now >= saved.value.expiresAt.getTime()) {
        yield* io.err(`The saved session for media ${saved.value.mediaId} expired at ${saved.value.expiresAt.toISOString()}; starting a new upload.\n`)
        saved = Option.none()
      }
    }

    let latest: UploadSession.UploadSession | undefined = Option.getOrUndefined(saved)
    const onSession = sessionFile === undefined
      ? undefined
      : (session: UploadSession.UploadSession) =>
        Effect.suspend(() => {
          latest = session
          return sessionFile.save(session)
        })
    const interrupted = () => {
      if (sessionFile === undefined) {
        return "Interrupted; nothing was saved. Add --session FILE to make an upload resumable."
      }
      if (latest === undefined) return `Interrupted before X opened an upload session; nothing to resume.`
      return `Interrupted. The upload session of media ${latest.mediaId} (${describeSession(latest)}) is saved in ${sessionFile.path}; ` +
        `run the same command again to resume it.`
    }

    const source = MediaSource.fromFile(input.file)
    const listeners = { onProgress: view.listener, onSession }
    const run = Option.isSome(saved)
      ? Upload.resume(saved.value, source, { ...options, ...listeners })
      : Upload.upload(source, { ...options, ...listeners })
    const media = yield* run.pipe(
      Effect.provide(NodeXMedia.layer(settings)),
      Effect.ensuring(view.settle),
      Report.onInterrupt(input.json, interrupted)
    )
    if (sessionFile !== undefined) yield* sessionFile.remove
    return media
  }).pipe(Effect.scoped)

/** `x-media upload <file> [flags]`. */
export const command = Command.make("upload", config, (input) =>
  upload(input).pipe(
    Effect.flatMap((media) => input.json ? Output.printJson(Output.mediaJson(media)) : Output.printUploaded(media, input.file)),
    Report.reportFailure(input.json, "upload")
  )).pipe(
    Command.withDescription(
      "Upload an image, GIF or video to X: INIT, APPEND (in parallel), FINALIZE, then wait for processing. " +
        "Prints the media id on stdout (the result object with --json)."
    )
  )
