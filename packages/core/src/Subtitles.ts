/**
 * Subtitles for a video: upload an SRT or WebVTT file (category `subtitles`), attach it to a video
 * under a language (`POST /2/media/subtitles`), and remove a language's track
 * (`DELETE /2/media/subtitles`). The video must have finished processing before its subtitles are
 * attached. Language codes are two letters (ISO 639-1), checked before any request.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Schema from "effect/Schema"
import { InvalidOption, type XRequestError } from "./Errors.ts"
import type { MediaCategory } from "./MediaCategory.ts"
import type { MediaClient } from "./MediaClient.ts"
import type { MediaSource } from "./MediaSource.ts"
import { upload as uploadMedia, type UploadedMedia, type UploadError, type UploadOptions } from "./Upload.ts"
import { XClient } from "./XClient.ts"

/**
 * The `media_category` X's subtitles endpoints name a video by: `TweetVideo` for `tweet_video`,
 * `AmplifyVideo` for `amplify_video`.
 *
 * @since 0.3.0
 * @category models
 */
export type VideoCategory = "TweetVideo" | "AmplifyVideo"

/**
 * The subtitles endpoints' name for an upload category (`AmplifyVideo` for `amplify_video`, else
 * `TweetVideo`).
 *
 * @since 0.3.0
 * @category utils
 */
export const videoCategoryOf = (category: MediaCategory | string): VideoCategory =>
  category === "amplify_video" ? "AmplifyVideo" : "TweetVideo"

/**
 * Checks a language code and puts it in X's form: two letters (ISO 639-1, `en` or `EN`), upper-cased.
 * Fails with `InvalidOption` (option `language code`) for anything else (`eng`, `en-US`, …).
 *
 * @since 0.3.0
 * @category validation
 */
export const languageCode = (code: string): Effect.Effect<string, InvalidOption> =>
  /^[A-Za-z]{2}$/.test(code)
    ? Effect.succeed(code.toUpperCase())
    : Effect.fail(
      new InvalidOption({
        option: "language code",
        value: code,
        detail: "must be two letters (ISO 639-1), for example EN, DE or JA"
      })
    )

// Made on first use: building it loads ICU data (~15 ms), which every command importing core paid.
let names: Intl.DisplayNames | undefined
const languageNames =
  (): Intl.DisplayNames => (names ??= new Intl.DisplayNames(["en"], { type: "language", fallback: "code" }))

/**
 * The name shown for a language when none is given: its English name (`EN` → `English`), else the code.
 *
 * @since 0.3.0
 * @category utils
 */
export const displayNameOf = (code: string): string => {
  try {
    return languageNames().of(code.toLowerCase()) ?? code
  } catch {
    return code
  }
}

/**
 * Uploads an SRT or WebVTT file as `subtitles` media (`Upload.upload` with that category), ready to
 * attach. A file that is not SRT or WebVTT fails with `CategoryMismatch` or `UnknownMediaType`
 * before any request.
 *
 * @since 0.3.0
 * @category uploading
 */
export const upload = <R>(
  source: MediaSource<R>,
  options: Omit<UploadOptions, "category" | "altText"> = {}
): Effect.Effect<UploadedMedia, UploadError, MediaClient | R> =>
  uploadMedia(source, { ...options, category: "subtitles" })

/**
 * One subtitles track of a video.
 *
 * @since 0.3.0
 * @category models
 */
export interface Track {
  /** The subtitles media id. */
  readonly subtitlesId: string
  readonly languageCode: string
  readonly displayName: string
}

/**
 * What to attach.
 *
 * @since 0.3.0
 * @category models
 */
export interface AttachOptions {
  /** The video (processed: state succeeded). */
  readonly videoId: string
  /** The uploaded subtitles media. */
  readonly subtitlesId: string
  /** Two letters (ISO 639-1), any case. Attaching a language again replaces its track. */
  readonly languageCode: string
  /** The name viewers see; the language's English name by default. */
  readonly displayName?: string | undefined
  /** The video's category (`TweetVideo` by default, `AmplifyVideo` for amplify_video). */
  readonly videoCategory?: VideoCategory | undefined
}

const Tracks = Schema.Struct({
  data: Schema.Struct({
    id: Schema.String,
    associated_subtitles: Schema.optionalKey(Schema.Array(Schema.Struct({
      id: Schema.String,
      language_code: Schema.String,
      display_name: Schema.String
    })))
  })
})

const Deleted = Schema.Struct({ data: Schema.Struct({ deleted: Schema.Boolean }) })

/**
 * Attaches uploaded subtitles to a video (`POST /2/media/subtitles`) and returns the video's tracks
 * as X now lists them. Fails with `InvalidOption` for a bad language code before any request, and
 * with X's answer otherwise (the video not processed yet, not a video, not this user's …).
 *
 * @since 0.3.0
 * @category subtitles
 */
export const attach = Effect.fn("x-media/Subtitles.attach")(function*(options: AttachOptions) {
  const language = yield* languageCode(options.languageCode)
  const x = yield* XClient
  const answer = yield* x.executeJson({
    step: "SUBTITLES",
    endpoint: "POST /2/media/subtitles",
    host: "api",
    mediaId: options.videoId,
    request: HttpClientRequest.post("/2/media/subtitles").pipe(
      HttpClientRequest.bodyJsonUnsafe({
        id: options.videoId,
        media_category: options.videoCategory ?? "TweetVideo",
        subtitles: {
          id: options.subtitlesId,
          language_code: language,
          display_name: options.displayName ?? displayNameOf(language)
        }
      })
    )
  }, Tracks)
  return (answer.data.associated_subtitles ?? []).map((track): Track => ({
    subtitlesId: track.id,
    languageCode: track.language_code,
    displayName: track.display_name
  }))
}) satisfies (options: AttachOptions) => Effect.Effect<ReadonlyArray<Track>, XRequestError | InvalidOption, XClient>

/**
 * Removes a language's subtitles from a video (`DELETE /2/media/subtitles`). Succeeds with whether
 * X had a track to remove. Fails with `InvalidOption` for a bad language code before any request.
 *
 * @since 0.3.0
 * @category subtitles
 */
export const remove = Effect.fn("x-media/Subtitles.remove")(function*(options: {
  readonly videoId: string
  readonly languageCode: string
  readonly videoCategory?: VideoCategory | undefined
}) {
  const language = yield* languageCode(options.languageCode)
  const x = yield* XClient
  const answer = yield* x.executeJson({
    step: "SUBTITLES",
    group: "media.subtitles.delete",
    endpoint: "DELETE /2/media/subtitles",
    host: "api",
    mediaId: options.videoId,
    request: HttpClientRequest.delete("/2/media/subtitles").pipe(
      HttpClientRequest.bodyJsonUnsafe({
        id: options.videoId,
        media_category: options.videoCategory ?? "TweetVideo",
        language_code: language
      })
    )
  }, Deleted)
  return answer.data.deleted
})
