/**
 * `x-media post --text TEXT FILE…`: uploads the files of a post concurrently, waits until X has
 * processed every one, sets their alt text (and a video's subtitles), then creates the post once.
 * Prints the post id on stdout (with `--json`: `{"post_id":"…","media":[…each upload's object…]}`).
 * Everything that can be checked is checked before any request: the flags, the text's length, each
 * file, and X's combination rules (at most 4 images, or 1 GIF, or 1 video).
 *
 * @module
 */
import { Errors, MediaSource, Post, PostText, Progress, Subtitles, Upload } from "@x-media/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stdio from "effect/Stdio"
import * as NodeXMedia from "../NodeXMedia.ts"
import * as ClientSettings from "./ClientSettings.ts"
import * as EmbeddedEmulator from "./EmbeddedEmulator.ts"
import { UsageError } from "./Failure.ts"
import * as Format from "./Format.ts"
import * as Output from "./Output.ts"
import * as Report from "./Report.ts"
import * as Streams from "./Streams.ts"
import * as UploadFlags from "./UploadFlags.ts"

/** The parsed command line of `x-media post`. */
export interface PostInput extends ClientSettings.ClientFlags {
  readonly files: ReadonlyArray<string>
  readonly text: string
  readonly altTexts: ReadonlyArray<string>
  readonly subtitles: Option.Option<string>
  readonly language: Option.Option<string>
  readonly replyTo: Option.Option<string>
  readonly quote: Option.Option<string>
  readonly chunkSize: Option.Option<string>
  readonly concurrency: Option.Option<string>
  readonly maxWait: Option.Option<string>
  readonly chunked: boolean
  readonly json: boolean
  readonly emulator: boolean
}

/** The `--json` result of `x-media post`. */
export const postJson = (published: Post.Published) => ({
  post_id: published.post.id,
  media: published.media.map(Output.mediaJson)
})

/** `--reply-to` / `--quote`: a post id (1 to 19 digits), named by its flag. */
const checkPostId = (option: string, value: Option.Option<string>) =>
  Option.isNone(value) || Schema.is(Post.PostId)(value.value)
    ? Effect.void
    : Effect.fail(new Errors.InvalidOption({ option, value: value.value, detail: "must be a post id: 1 to 19 digits" }))

/** The flags that need each other or the files, checked before anything starts. */
const checkFlags = (input: PostInput) =>
  Effect.gen(function*() {
    yield* checkPostId("--reply-to", input.replyTo)
    yield* checkPostId("--quote", input.quote)
    if (input.altTexts.length > input.files.length) {
      return yield* new UsageError({
        detail: `${input.altTexts.length} --alt-text values for ${Format.plural(input.files.length, "file")}: ` +
          "give at most one --alt-text per file, in the order of the files."
      })
    }
    if (Option.isSome(input.subtitles) !== Option.isSome(input.language)) {
      return yield* new UsageError({
        detail:
          "--subtitles and --language go together: give the subtitles file and its language (for example --language EN)."
      })
    }
    if (Option.isSome(input.subtitles) && input.files.length !== 1) {
      return yield* new UsageError({
        detail: "--subtitles attach to the post's one video: give exactly one video file with them."
      })
    }
    if (Option.isNone(input.language)) return undefined
    // Named by the flag the user gave, as every usage error is.
    return yield* Subtitles.languageCode(input.language.value).pipe(
      Effect.mapError((error) =>
        new Errors.InvalidOption({ option: "--language", value: error.value, detail: error.detail })
      )
    )
  })

/** Checks, client, optional emulator, the publishing, and a line per ready media on stderr. */
const post = (input: PostInput) =>
  Effect.gen(function*() {
    const language = yield* checkFlags(input)
    const options = yield* UploadFlags.toUploadOptions({
      category: Option.none(),
      mediaType: Option.none(),
      altText: Option.none(),
      wait: true,
      chunkSize: input.chunkSize,
      concurrency: input.concurrency,
      maxWait: input.maxWait,
      chunked: input.chunked
    })
    // Each file, the text and the combination are checked before the credentials are read and before
    // --emulator starts one: a wrong path or a video with an image is reported first.
    yield* ClientSettings.checkFlags(input, input.emulator)
    const categories: Array<{ readonly name: string; readonly category: string }> = []
    for (const file of input.files) {
      const checked = yield* Upload.check(MediaSource.fromFile(file), options)
      categories.push({ name: file, category: checked.category })
    }
    yield* PostText.check(input.text, { hasMedia: input.files.length > 0 })
    yield* Post.checkCombination(categories)
    const stdio = yield* Stdio.Stdio
    const emulator = input.emulator ? yield* EmbeddedEmulator.start(EmbeddedEmulator.demoOptions) : undefined
    if (emulator !== undefined) yield* Streams.err(`Started an X emulator at ${emulator.url}; posting to it.\n`)
    const settings = yield* ClientSettings.resolve(input, emulator)
    const subtitles = Option.getOrUndefined(input.subtitles)
    // A used-up window holds every upload in flight: said once per step and reset time, not per file.
    const waitsSaid = new Set<string>()
    const firstSaid = (key: string) => !waitsSaid.has(key) && Boolean(waitsSaid.add(key))
    const say = (line: string) => Effect.provideService(Streams.err(`${line}\n`), Stdio.Stdio, stdio)
    // Retries are said as they happen, those of a file's upload with its name (the post itself is never retried).
    const sayEvent = (file: string | undefined) => (event: Progress.UploadEvent) =>
      event._tag === "RateLimitWait" && firstSaid(`${event.step} ${event.until.getTime()}`)
        ? say(Format.rateLimitWait(event.step, event.until))
        : event._tag === "Retrying"
        ? say(`${file === undefined ? "" : `${file}: `}${Format.retrying(event)}`)
        : Effect.void
    // Once every file is ready, the post request may be on its way: an interrupt cannot say it was not sent.
    const ready = new Set<number>()
    const media = input.files.map((file, index) => ({
      source: MediaSource.fromFile(file),
      altText: input.altTexts[index],
      upload: {
        chunkSize: options.chunkSize,
        concurrency: options.concurrency,
        maxWait: options.maxWait,
        oneShot: options.oneShot
      },
      subtitles: subtitles === undefined || language === undefined
        ? undefined
        : { source: MediaSource.fromFile(subtitles), languageCode: language }
    }))
    return yield* Post.publish({
      text: input.text,
      media,
      replyTo: Option.getOrUndefined(input.replyTo),
      quote: Option.getOrUndefined(input.quote),
      onProgress: (event, index) => {
        if (event._tag === "Ready") ready.add(index)
        return event._tag === "Ready"
          ? say(`${input.files[index]}: media ${event.mediaId} is ready.`)
          : sayEvent(input.files[index])(event)
      }
    }).pipe(
      // The requests outside the files' uploads: subtitles, metadata and the post itself.
      Progress.withListener(sayEvent(undefined)),
      Effect.provide(NodeXMedia.layer(ClientSettings.layerOptions(settings))),
      Report.onInterrupt(
        input.json,
        Effect.sync(() =>
          ready.size < input.files.length
            ? "Interrupted before the post was created; media already uploaded stays unused and expires by itself."
            : "Interrupted while the post was being created: X may have created it. Check the account's posts " +
              "before posting again; media not posted stays unused and expires by itself."
        )
      )
    )
  }).pipe(Effect.scoped)

/** The summary for people (stderr), and the post id alone on stdout. */
const printPosted = (published: Post.Published) =>
  Effect.gen(function*() {
    const media = published.media.length === 0
      ? ""
      : ` with ${published.media.length} media (${published.media.map((m) => m.mediaId).join(", ")})`
    yield* Streams.err(`Posted ${published.post.id}${media}.\n`)
    yield* Streams.out(`${published.post.id}\n`)
  })

/**
 * `x-media post "Hello"` takes "Hello" for a file: when an argument names no file and no `--text` was
 * given, says where a post's text goes.
 */
const textTakenForFileNote = (input: PostInput): Report.Note => (failure) =>
  Effect.sync(() =>
    failure._tag === "MediaSourceError" && failure.reason === "not-found" && input.text === "" &&
      input.files.includes(failure.source)
      ? `A post's text is given with --text TEXT; "${failure.source}" was taken for a file.`
      : undefined
  )

/** Runs `x-media post --text TEXT FILE… [flags]`: imported by `Commands` when the command runs. */
export const handler = (input: PostInput) =>
  post(input).pipe(
    Effect.flatMap((published) => (input.json ? Output.printJson(postJson(published)) : printPosted(published))),
    // The embedded emulator replaces any base URL of the environment: then the user set none.
    Report.reportFailure(
      input.json,
      "post",
      Report.notes(
        textTakenForFileNote(input),
        Report.networkNote(input.emulator ? undefined : Option.getOrUndefined(input.baseUrl)?.from),
        Report.statusNote(input)
      )
    )
  )
