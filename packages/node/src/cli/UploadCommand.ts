/**
 * `x-media upload <file>`: uploads one file (or resumes its saved session), showing progress on
 * stderr and printing the media id (or, with `--json`, the result object) on stdout.
 *
 * @module
 */
import { MediaSource, Upload, type UploadSession } from "@x-media/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as NodeXMedia from "../NodeXMedia.ts"
import * as ClientSettings from "./ClientSettings.ts"
import * as CommonFlags from "./CommonFlags.ts"
import * as EmbeddedEmulator from "./EmbeddedEmulator.ts"
import { type CliFailure, UsageError } from "./Failure.ts"
import * as FleetCommands from "./FleetCommands.ts"
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
  ),
  durable: Flag.Boolean("durable").pipe(
    Flag.withDescription(
      "Submit the upload to the fleet (X_MEDIA_DATABASE_URL) and wait for it; interrupted, it goes on there, and the same command waits for it again."
    ),
    Flag.withDefault(false)
  )
} as const

/** The parsed command line of `x-media upload`. */
export interface UploadInput extends UploadFlags.UploadFlags, ClientSettings.ClientFlags {
  readonly file: string
  readonly json: boolean
  readonly emulator: boolean
  readonly session: Option.Option<string>
  readonly durable: boolean
}

const describeSession = (session: UploadSession.UploadSession) =>
  `${session.segmentsDone.length} of ${Format.plural(session.segmentCount, "segment")} on X${
    session.finalized ? ", finalized" : ""
  }`

/** What is known about the saved session when the upload ends, for the note after a failure. */
interface SessionState {
  path: string | undefined
  latest: UploadSession.UploadSession | undefined
}

/** After a failure that a rerun can get past, where the session is kept; nothing when it is gone. */
const resumeNote = (state: SessionState) => (failure: CliFailure): string | undefined =>
  state.path === undefined || state.latest === undefined || !resumable(failure)
    ? undefined
    : `The upload session of media ${state.latest.mediaId} (${describeSession(state.latest)}) is kept in ${state.path}; ` +
      `run the same command again to resume it.`

/** Failures after which the session is worth keeping: not when the media is dead or the input is wrong. */
const resumable = (failure: CliFailure): boolean => {
  switch (failure._tag) {
    case "NetworkError":
    case "XApiError":
    case "RateLimited":
    case "MalformedResponse":
    case "AuthenticationFailed":
    case "ProcessingTimeout":
      return true
    default:
      return false
  }
}

/**
 * The session saved in the file, when it can still be resumed: an expired one, or one from an
 * earlier run of the embedded emulator (a server that no longer exists), is set aside with a note.
 */
const usableSession = (file: SessionFile.SessionFile, emulatorUrl: string | undefined) =>
  Effect.gen(function*() {
    const saved = yield* file.load
    if (Option.isNone(saved)) return saved
    const session = saved.value
    const now = yield* Clock.currentTimeMillis
    const stale = now >= session.expiresAt.getTime()
      ? `expired at ${session.expiresAt.toISOString()}`
      : emulatorUrl !== undefined && session.baseUrl !== emulatorUrl
      ? "belongs to an earlier emulator run"
      : undefined
    if (stale === undefined) return saved
    yield* Io.use((io) => io.err(`The saved session for media ${session.mediaId} ${stale}; starting a new upload.\n`))
    return Option.none<UploadSession.UploadSession>()
  })

/** The upload: checks, client, optional emulator and session file, progress, result. */
const upload = (input: UploadInput, state: SessionState) =>
  Effect.gen(function*() {
    const io = yield* Io
    const options = yield* UploadFlags.toUploadOptions(input)
    const emulator = input.emulator ? yield* EmbeddedEmulator.start(EmbeddedEmulator.demoOptions) : undefined
    if (emulator !== undefined) yield* io.err(`Started an X emulator at ${emulator.url}; uploading to it.\n`)
    const settings = yield* ClientSettings.resolve(input, emulator)
    if (input.durable) {
      if (Option.isSome(input.session) || emulator !== undefined) {
        return yield* new UsageError({ detail: "--durable cannot be combined with --session or --emulator: the fleet keeps the upload's state." })
      }
      return yield* FleetCommands.submitDurable({ file: input.file, settings, options })
    }
    const view = yield* ProgressView.make(io)

    const sessionFile = Option.isSome(input.session)
      ? yield* SessionFile.make(input.session.value, (detail) => view.settle.pipe(Effect.andThen(io.err(`Warning: ${detail}\n`))))
      : undefined
    const saved = sessionFile === undefined ? Option.none() : yield* usableSession(sessionFile, emulator?.url)

    state.path = sessionFile?.path
    state.latest = Option.getOrUndefined(saved)
    const onSession = sessionFile === undefined
      ? undefined
      : (session: UploadSession.UploadSession) =>
        Effect.suspend(() => {
          state.latest = session
          return sessionFile.save(session)
        })
    const interrupted = () => {
      const latest = state.latest
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
      // A media X refused or that expired cannot be resumed: its session is of no use any more.
      Effect.tapError((failure) =>
        sessionFile !== undefined && (failure._tag === "ProcessingFailed" || failure._tag === "MediaExpired")
          ? sessionFile.remove
          : Effect.void
      ),
      Report.onInterrupt(input.json, interrupted)
    )
    if (sessionFile !== undefined) yield* sessionFile.remove
    return media
  }).pipe(Effect.scoped)

/** `x-media upload <file> [flags]`. */
export const command = Command.make("upload", config, (input) =>
  Effect.suspend(() => {
    const state: SessionState = { path: undefined, latest: undefined }
    return upload(input, state).pipe(
      Effect.flatMap((media) => input.json ? Output.printJson(Output.mediaJson(media)) : Output.printUploaded(media, input.file)),
      Report.reportFailure(input.json, "upload", resumeNote(state))
    )
  })).pipe(
    Command.withDescription(
      "Upload an image, GIF or video to X: INIT, APPEND (in parallel), FINALIZE, then wait for processing. " +
        "Prints the media id on stdout (the result object with --json)."
    )
  )
