/**
 * `x-media upload <file…>`: uploads one or several files (several at once, under one client and
 * so one rate budget), or resumes a saved session of one file, showing progress on stderr and
 * printing each media id (or, with `--json`, the result object) on stdout. `-` reads a file from
 * standard input (see `StandardInput`). Every local input (flags, files, session file) is checked
 * before the credentials are read and before any request.
 *
 * @module
 */
import { MediaSource, Upload, type UploadSession } from "@x-media/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stdio from "effect/Stdio"
import * as NodeXMedia from "../NodeXMedia.ts"
import * as ClientSettings from "./ClientSettings.ts"
import { givenByFlag } from "./CommonFlags.ts"
import * as EmbeddedEmulator from "./EmbeddedEmulator.ts"
import { CliExit, type CliFailure, exitCodeOf, reported, UsageError } from "./Failure.ts"
import * as FleetCommands from "./FleetCommands.ts"
import * as Format from "./Format.ts"
import * as Output from "./Output.ts"
import * as ProgressView from "./ProgressView.ts"
import * as Report from "./Report.ts"
import * as SessionFile from "./SessionFile.ts"
import * as StandardInput from "./StandardInput.ts"
import * as Streams from "./Streams.ts"
import * as UploadFlags from "./UploadFlags.ts"

/** Files uploaded at the same time when several are given (each with its own APPENDs in flight). */
export const filesAtOnce = 4

/** The parsed command line of `x-media upload`. */
export interface UploadInput extends UploadFlags.UploadFlags, ClientSettings.ClientFlags {
  readonly files: ReadonlyArray<string>
  readonly json: boolean
  readonly emulator: boolean
  readonly session: Option.Option<string>
  readonly durable: boolean
}

const describeSession = (session: UploadSession.UploadSession) =>
  `${session.segmentsDone.length} of ${Format.plural(session.segmentCount, "segment")} on X${
    session.finalized ? ", finalized" : ""
  }`

/** What is known about the saved session as the upload goes, for the notes after a failure or an interrupt. */
interface SessionState {
  readonly path: string | undefined
  /** The furthest session FILE holds (loaded, or written by this run). */
  readonly latest: UploadSession.UploadSession | undefined
  /** A save failed (a warning said so): FILE may lack what X has, or not exist. */
  readonly saveFailed: boolean
}

/**
 * X refused the media itself or it expired: a rerun would get the same answer, so its session is of no
 * use any more. A FINALIZE answered 400 is X judging the whole file (InvalidMedia: an unsupported format);
 * any other 4xx but 408 is X refusing the request as it is (an APPEND of a media id X does not know,
 * code 324), which a resume would send again; processing that would end after the media expires
 * cannot be waited out; and a file that changed during the upload no longer matches what X has.
 */
const refusedByX = (failure: CliFailure): boolean =>
  failure._tag === "ProcessingFailed" || failure._tag === "MediaExpired" ||
  (failure._tag === "MediaSourceError" && failure.reason === "changed") ||
  // X's answer itself says no rerun gets past it (core's isRetryable: a 4xx but 408, an expiry).
  ((failure._tag === "XApiError" || failure._tag === "ProcessingTimeout") && !failure.isRetryable)

/** Failures after which the session is worth keeping: not when the media is dead or the input is wrong. */
const resumable = (failure: CliFailure): boolean => {
  if (refusedByX(failure)) return false
  switch (failure._tag) {
    case "NetworkError":
    case "XApiError":
    case "RateLimited":
    case "MalformedResponse":
    case "AuthenticationFailed":
    case "ProcessingTimeout":
    case "UploadStalled":
      return true
    default:
      return false
  }
}

/**
 * The saved session does not fit this command (another file, server or API, or a damaged file): how to
 * upload anyway. The library's advice (resume with the same file, `--api`) is one way; this is the other.
 */
const sessionMismatchNote = (state: Ref.Ref<SessionState>): Report.Note => (failure) =>
  Effect.map(
    Ref.get(state),
    ({ path }) =>
      path === undefined || failure._tag !== "InvalidOption" || failure.option !== "session"
        ? undefined
        : `To upload this file as a new media instead, delete ${path} or give --session another path.`
  )

/** After a failure that a rerun can get past, where the session is kept; nothing when it is gone. */
const resumeNote = (state: Ref.Ref<SessionState>): Report.Note => (failure) =>
  Effect.map(Ref.get(state), ({ latest, path }) =>
    path === undefined || latest === undefined || !resumable(failure)
      ? undefined
      : `The upload session of media ${latest.mediaId} (${describeSession(latest)}) is kept in ${path}; ` +
        `run the same command again to resume it.`)

/** The session saved in the file, when it can still be resumed: an expired one is set aside with a note. */
const usableSession = (file: SessionFile.SessionFile) =>
  Effect.gen(function*() {
    const saved = yield* file.load
    if (Option.isNone(saved)) return saved
    const session = saved.value
    const now = yield* Clock.currentTimeMillis
    if (now < session.expiresAt.getTime()) return saved
    yield* Streams.err(
      `The saved session for media ${session.mediaId} expired at ${session.expiresAt.toISOString()}; starting a new upload.\n`
    )
    return Option.none<UploadSession.UploadSession>()
  })

/** The command line's checks that need no file: conflicting arguments. */
const checkArguments = (input: UploadInput): Effect.Effect<void, UsageError> => {
  const fromStdin = input.files.filter((file) => file === StandardInput.marker).length
  if (fromStdin > 1) {
    return Effect.fail(
      new UsageError({ detail: "- (standard input) can be given once only: there is one standard input." })
    )
  }
  if (Option.isSome(input.session) && input.files.length > 1) {
    return Effect.fail(
      new UsageError({ detail: "--session works with one file; upload the files one by one to resume each." })
    )
  }
  if (Option.isSome(input.session) && input.emulator) {
    return Effect.fail(
      new UsageError({
        detail:
          "--session cannot be combined with --emulator: the embedded emulator and its uploads end with the command, so there is nothing to resume."
      })
    )
  }
  if (Option.isSome(input.session) && fromStdin > 0) {
    return Effect.fail(new UsageError({ detail: "--session cannot resume standard input (-); give the file by path." }))
  }
  if (input.durable) {
    // The fleet's workers read the file by its path, and the fleet knows an upload by path and content.
    if (input.files.length > 1) {
      return Effect.fail(new UsageError({ detail: "--durable works with one file; submit the files one by one." }))
    }
    if (fromStdin > 0) {
      return Effect.fail(
        new UsageError({
          detail: "--durable cannot upload standard input (-): the fleet's workers read the file by its path."
        })
      )
    }
    if (Option.isSome(input.session) || input.emulator) {
      return Effect.fail(
        new UsageError({
          detail: "--durable cannot be combined with --session or --emulator: the fleet keeps the upload's state."
        })
      )
    }
    const requestFlags = [input.timeout, input.maxRateLimitWait].flatMap((setting) => givenByFlag(setting)?.from ?? [])
    if (requestFlags.length > 0) {
      return Effect.fail(
        new UsageError({
          detail: `--durable cannot be combined with ${
            requestFlags.join(" or ")
          }: the fleet's workers make the requests. Give ${
            requestFlags.join(" and ")
          } to the workers (x-media worker); without them a worker waits 60 s for progress and up to 900 s for X's rate limit.`
        })
      )
    }
  }
  return Effect.void
}

/** The source of one argument: a file, or standard input copied to a temporary file. */
const sourceOf = (file: string, category: string | undefined) =>
  file === StandardInput.marker ? StandardInput.spool(category) : Effect.succeed(MediaSource.fromFile(file))

/** Every local input checked, in order: flags, files (and standard input), then the session file. */
const prepare = (input: UploadInput) =>
  Effect.gen(function*() {
    const options = yield* UploadFlags.toUploadOptions(input)
    const flags = yield* ClientSettings.checkFlags(input, input.emulator)
    yield* checkArguments(input)
    const sources: Array<MediaSource.MediaSource<FileSystem.FileSystem>> = []
    for (const file of input.files) {
      const source = yield* sourceOf(file, options.category)
      yield* Upload.check(source, options)
      sources.push(source)
    }
    // A session file that is not one is a usage error: found here, before the credentials.
    if (Option.isSome(input.session)) {
      yield* Effect.flatMap(SessionFile.make(input.session.value, () => Effect.void), (file) => file.load)
    }
    return { options, flags, sources }
  })

/** The upload of one file, resumable with `--session`. */
const uploadOne = (
  input: UploadInput,
  source: MediaSource.MediaSource<FileSystem.FileSystem>,
  options: UploadFlags.CheckedOptions,
  state: Ref.Ref<SessionState>
) =>
  Effect.gen(function*() {
    const view = yield* ProgressView.make()
    const stdio = yield* Stdio.Stdio
    const sessionFile = Option.isSome(input.session)
      ? yield* SessionFile.make(
        input.session.value,
        (detail) =>
          view.settle.pipe(
            Effect.andThen(Effect.provideService(Streams.err(`Warning: ${detail}\n`), Stdio.Stdio, stdio))
          )
      )
      : undefined
    const saved = sessionFile === undefined ? Option.none() : yield* usableSession(sessionFile)
    yield* Ref.set(state, { path: sessionFile?.path, latest: Option.getOrUndefined(saved), saveFailed: false })
    // The notes after a failure or an interrupt speak of what FILE holds: a session counts once written.
    const onSession = sessionFile === undefined
      ? undefined
      : (session: UploadSession.UploadSession) =>
        Effect.flatMap(sessionFile.save(session), (written) =>
          Ref.update(state, (current) =>
            !written
              ? { ...current, saveFailed: true }
              : current.latest !== undefined && current.latest.mediaId === session.mediaId &&
                  SessionFile.progressOf(current.latest) > SessionFile.progressOf(session)
              ? current
              : { ...current, latest: session }))
    const interrupted = Effect.map(Ref.get(state), ({ latest, saveFailed }) => {
      if (sessionFile === undefined) {
        return input.files[0] === StandardInput.marker
          ? "Interrupted; nothing was saved. To make an upload resumable, give the file by path with --session FILE."
          : "Interrupted; nothing was saved. Add --session FILE to make an upload resumable."
      }
      if (latest === undefined) {
        return saveFailed
          ? `Interrupted; the upload session could not be saved in ${sessionFile.path} (see the warning above), so there is nothing to resume.`
          : `Interrupted before X opened an upload session; nothing to resume.`
      }
      return `Interrupted. The upload session of media ${latest.mediaId} (${
        describeSession(latest)
      }) is saved in ${sessionFile.path}; ` +
        `run the same command again to resume it.`
    })
    const listeners = { onProgress: view.listener, onSession }
    const run = Option.isSome(saved)
      ? Upload.resume(saved.value, source, { ...options, ...listeners })
      : Upload.upload(source, { ...options, ...listeners })
    const media = yield* run.pipe(
      Effect.ensuring(view.settle),
      Effect.tapError((failure) => sessionFile !== undefined && refusedByX(failure) ? sessionFile.remove : Effect.void),
      Report.onInterrupt(input.json, interrupted)
    )
    if (sessionFile !== undefined) yield* sessionFile.remove
    return media
  })

/** How one of several uploads ended. */
type Outcome =
  | { readonly _tag: "Uploaded"; readonly file: string; readonly media: Upload.UploadedMedia }
  | { readonly _tag: "Failed"; readonly file: string; readonly failure: CliFailure }

/** Several files at once, each with its own labelled progress lines; one outcome per file, in order. */
const uploadMany = (
  input: UploadInput,
  sources: ReadonlyArray<MediaSource.MediaSource<FileSystem.FileSystem>>,
  options: UploadFlags.CheckedOptions
) =>
  Effect.forEach(
    sources.map((source, i) => [source, input.files[i] ?? source.name] as const),
    ([source, file]) =>
      Effect.gen(function*() {
        const view = yield* ProgressView.make({ label: source.name, animate: false })
        return yield* Upload.upload(source, { ...options, onProgress: view.listener }).pipe(
          Effect.map((media): Outcome => ({ _tag: "Uploaded", file, media })),
          Effect.catch((failure) => Effect.succeed<Outcome>({ _tag: "Failed", file, failure }))
        )
      }),
    { concurrency: filesAtOnce }
  ).pipe(
    Report.onInterrupt(input.json, Effect.succeed("Interrupted; nothing was saved (several files cannot be resumed)."))
  )

/** Prints the outcomes of several uploads (each failure with its note); fails with CliExit (code 1) when any failed. */
const reportMany = (input: UploadInput, outcomes: ReadonlyArray<Outcome>, note: Report.Note) =>
  Effect.gen(function*() {
    for (const outcome of outcomes) {
      if (outcome._tag === "Uploaded") {
        if (!input.json) {
          yield* Output.printUploaded(
            outcome.media,
            outcome.file,
            Report.statusCommandFor(input, outcome.media.mediaId)
          )
        }
      } else {
        const added = yield* note(outcome.failure)
        yield* Streams.err(
          `Error: ${outcome.file}: ${reported(outcome.failure).message}\n${added === undefined ? "" : `${added}\n`}`
        )
      }
    }
    if (input.json) {
      yield* Output.printJson(Output.mediaListJson(outcomes.map((outcome) =>
        outcome._tag === "Uploaded"
          ? Output.mediaJson(outcome.media)
          : { file: outcome.file, ...Output.errorJson(reported(outcome.failure)) }
      )))
    }
    const failed = outcomes.filter((outcome) => outcome._tag === "Failed")
    if (failed.length > 0) {
      yield* Streams.err(`${failed.length} of ${Format.plural(outcomes.length, "file")} failed.\n`)
      return yield* new CliExit({ code: Math.max(...failed.map((outcome) => exitCodeOf(outcome.failure))) })
    }
  })

/** Runs `x-media upload <file…> [flags]`: imported by `Commands` when the command runs. */
export const handler = (input: UploadInput) =>
  Effect.gen(function*() {
    const state = yield* Ref.make<SessionState>({ path: undefined, latest: undefined, saveFailed: false })
    // The embedded emulator replaces any base URL of the environment: then the user set none.
    const baseUrlChosenBy = input.emulator ? undefined : Option.getOrUndefined(input.baseUrl)?.from
    // A durable upload's requests are the fleet's workers': their flags are what to change.
    const network = input.durable ? Report.fleetNote : Report.networkNote(baseUrlChosenBy)
    const note = Report.notes(resumeNote(state), sessionMismatchNote(state), network, Report.statusNote(input))
    const run = Effect.gen(function*() {
      const { options, sources } = yield* prepare(input)
      const emulator = input.emulator ? yield* EmbeddedEmulator.start(EmbeddedEmulator.demoOptions) : undefined
      if (emulator !== undefined) yield* Streams.err(`Started an X emulator at ${emulator.url}; uploading to it.\n`)
      const settings = yield* ClientSettings.resolve(input, emulator)
      if (input.durable) {
        const media = yield* FleetCommands.submitDurable({ file: input.files[0] ?? "", settings, options })
        return { _tag: "One", media } as const
      }
      const layer = NodeXMedia.layer(ClientSettings.layerOptions(settings))
      const only = sources.length === 1 ? sources[0] : undefined
      if (only !== undefined) {
        const media = yield* uploadOne(input, only, options, state).pipe(Effect.provide(layer))
        return { _tag: "One", media } as const
      }
      const outcomes = yield* uploadMany(input, sources, options).pipe(Effect.provide(layer))
      return { _tag: "Many", outcomes } as const
    }).pipe(Effect.scoped)
    const result = yield* run.pipe(Report.reportFailure(input.json, "upload", note))
    if (result._tag === "One") {
      const file = input.files[0] === StandardInput.marker ? StandardInput.name : input.files[0] ?? ""
      return yield* input.json
        ? Output.printJson(Output.mediaJson(result.media))
        : Output.printUploaded(result.media, file, Report.statusCommandFor(input, result.media.mediaId))
    }
    return yield* reportMany(input, result.outcomes, Report.notes(network, Report.statusNote(input)))
  })
