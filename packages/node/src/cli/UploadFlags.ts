/**
 * The flags that shape an upload (`x-media upload`, and `x-media post` for its files), and their
 * checks: every value is checked before anything is sent, and a bad one is an `InvalidOption`
 * naming the flag (reported as a `UsageError`, exit code 2). Numbers are read as text and checked
 * here, so `--concurrency abc` and `--concurrency 0` get the same kind of message.
 *
 * @module
 */
import * as Errors from "@x-media/core/Errors"
import * as MediaCategory from "@x-media/core/MediaCategory"
import * as SegmentPlan from "@x-media/core/SegmentPlan"
import * as Upload from "@x-media/core/Upload"
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
/** `--category C` */
export const category = Flag.String("category").pipe(
  Flag.withMetavar("CATEGORY"),
  Flag.withDescription(
    "media_category: tweet_image, tweet_gif, tweet_video, amplify_video, dm_image, dm_gif, dm_video, subtitles. Default: chosen from the type."
  ),
  Flag.optional
)

/** `--media-type MIME` */
export const mediaType = Flag.String("media-type").pipe(
  Flag.withMetavar("MIME"),
  Flag.withDescription("The MIME type, e.g. video/mp4. Default: sniffed from the bytes, then the file name."),
  Flag.optional
)

/** `--alt-text TEXT` */
export const altText = Flag.String("alt-text").pipe(
  Flag.withMetavar("TEXT"),
  Flag.withDescription("Alt text for images and GIFs (at most 1000 characters), set once the media is ready."),
  Flag.optional
)

/** `--chunk-size BYTES` */
export const chunkSize = Flag.String("chunk-size").pipe(
  Flag.withMetavar("BYTES"),
  Flag.withDescription(
    `Segment size in bytes, 1 to ${SegmentPlan.maxChunkBytes}. Default: 4 MiB, raised so no upload needs over 1000 segments.`
  ),
  Flag.optional
)

/** `--concurrency N` */
export const concurrency = Flag.String("concurrency").pipe(
  Flag.withMetavar("N"),
  Flag.withDescription(
    `APPENDs in flight at once, 1 to ${Upload.maxConcurrency} (default ${Upload.defaultConcurrency}).`
  ),
  Flag.optional
)

/** `--max-wait SECONDS` */
export const maxWait = Flag.String("max-wait").pipe(
  Flag.withMetavar("SECONDS"),
  Flag.withDescription("The longest wait for X's processing, in seconds (default 600)."),
  Flag.optional
)

/** `--wait` / `--no-wait` */
export const wait = Flag.Boolean("wait").pipe(
  Flag.withDescription(
    "Wait until X has processed the media (default). With --no-wait, print the media id after FINALIZE."
  ),
  Flag.withDefault(true)
)

/** `--chunked` */
export const chunked = Flag.Boolean("chunked").pipe(
  Flag.withDescription(
    "Always upload in chunks (INIT, APPEND, FINALIZE). Default: an image (not a GIF) or, in v2, a subtitles file " +
      "up to 5 MiB (or --chunk-size) goes in one request, falling back to chunks when X cannot take it that way."
  ),
  Flag.withDefault(false)
)

/** The parsed values of the flags above. */
export interface UploadFlags {
  readonly category: Option.Option<string>
  readonly mediaType: Option.Option<string>
  readonly altText: Option.Option<string>
  readonly chunkSize: Option.Option<string>
  readonly concurrency: Option.Option<string>
  readonly maxWait: Option.Option<string>
  readonly wait: boolean
  readonly chunked: boolean
}

/** The upload's flags as a config for `Command.make`. */
export const flags = { category, mediaType, altText, chunkSize, concurrency, maxWait, wait, chunked } as const

/** A number flag: absent is undefined; text that is not a valid number is an InvalidOption. */
export const checkedNumber = (
  value: Option.Option<string>,
  option: string,
  valid: (n: number) => boolean,
  detail: string
): Effect.Effect<number | undefined, Errors.InvalidOption> =>
  Option.match(value, {
    onNone: () => Effect.succeed(undefined),
    onSome: (text) => {
      const n = text.trim() === "" ? Number.NaN : Number(text.trim())
      return valid(n) ? Effect.succeed(n) : Effect.fail(new Errors.InvalidOption({ option, value: text, detail }))
    }
  })

/** `--max-wait` as a duration, checked (positive seconds). Fails with InvalidOption. */
export const maxWaitDuration = (
  value: Option.Option<string>
): Effect.Effect<Duration.Duration | undefined, Errors.InvalidOption> =>
  checkedNumber(value, "--max-wait", (n) => Number.isFinite(n) && n > 0, "must be a number of seconds greater than 0")
    .pipe(
      Effect.map((seconds) => (seconds === undefined ? undefined : Duration.millis(Math.round(seconds * 1000))))
    )

/** Upload options without listeners: what the flags ask for, checked. */
export type CheckedOptions = Omit<Upload.UploadOptions, "onProgress" | "onSession">

/** Checks the flags and turns them into upload options. Fails with InvalidOption naming the flag. */
export const toUploadOptions = (flags: UploadFlags): Effect.Effect<CheckedOptions, Errors.InvalidOption> =>
  Effect.gen(function*() {
    const concurrency = yield* checkedNumber(
      flags.concurrency,
      "--concurrency",
      (n) => Number.isSafeInteger(n) && n >= 1 && n <= Upload.maxConcurrency,
      `must be a whole number from 1 to ${Upload.maxConcurrency}`
    )
    const chunkSize = yield* checkedNumber(
      flags.chunkSize,
      "--chunk-size",
      (n) => Number.isSafeInteger(n) && n >= 1 && n <= SegmentPlan.maxChunkBytes,
      `must be a whole number of bytes from 1 to ${SegmentPlan.maxChunkBytes}`
    )
    const maxWait = yield* maxWaitDuration(flags.maxWait)
    // A name X does not know is refused here, before standard input is read or a file opened.
    const category = Option.getOrUndefined(flags.category)
    if (category !== undefined && !MediaCategory.mediaCategories.some((known) => known === category)) {
      return yield* new Errors.InvalidOption({
        option: "--category",
        value: category,
        detail: `must be one of X's categories: ${MediaCategory.mediaCategories.join(", ")}`
      })
    }
    const options: CheckedOptions = {
      mediaType: Option.getOrUndefined(flags.mediaType),
      category,
      altText: Option.getOrUndefined(flags.altText),
      chunkSize,
      concurrency,
      wait: flags.wait,
      maxWait,
      oneShot: !flags.chunked
    }
    return options
  })
