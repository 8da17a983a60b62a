/**
 * Posts with media: {@link create} posts media already uploaded (`POST /2/tweets`), and
 * {@link publish} does the whole job in one call: it checks everything it can first, uploads the
 * files of the post concurrently under the client's one rate budget, waits until X has processed
 * every one, sets their alt text, metadata and subtitles, and only then creates the post.
 *
 * X's rules are checked before any request: the text's weighted length (280, see `PostText`), and
 * the media combination (at most 4 images, or 1 GIF, or 1 video); media that is not ready or has
 * expired is refused too, since X would answer "Your media IDs are invalid.". A post is never sent
 * twice: when its outcome is unknown (no answer, a 5xx), it fails with `PostOutcomeUnknown`.
 *
 * @since 0.3.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Schema from "effect/Schema"
import {
  InvalidMediaCombination,
  InvalidMediaIds,
  InvalidOption,
  type InvalidPostText,
  MediaExpired,
  MediaNotReady,
  PostOutcomeUnknown,
  type PreflightError,
  type XRequestError
} from "./Errors.ts"
import { GivenProgressListener } from "./internal/ProgressChannel.ts"
import { checkMedia, type MediaCategory, resolveCategory } from "./MediaCategory.ts"
import type { MediaClient } from "./MediaClient.ts"
import * as MediaMetadata from "./MediaMetadata.ts"
import type { MediaSource, OpenedMedia } from "./MediaSource.ts"
import { resolveMediaType } from "./MediaType.ts"
import * as PostText from "./PostText.ts"
import type { UploadEvent } from "./Progress.ts"
import * as Subtitles from "./Subtitles.ts"
import { upload, type UploadedMedia, type UploadError, type UploadOptions } from "./Upload.ts"
import { XClient } from "./XClient.ts"

/**
 * A post id: 1 to 19 digits, as a string (like media ids, too large for a JavaScript number).
 *
 * @since 0.3.0
 * @category schemas
 */
export const PostId = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,19}$/, { message: "a post id is a string of 1 to 19 digits" })
).pipe(Schema.brand("PostId"))

/**
 * A post id that has been checked to be 1 to 19 digits.
 *
 * @since 0.3.0
 * @category schemas
 */
export type PostId = typeof PostId.Type

/**
 * The most media a post holds (images; a GIF or a video is alone).
 *
 * @since 0.3.0
 * @category constants
 */
export const maxMediaPerPost = 4

/**
 * Media to attach: its id, or what is known of it (an `UploadedMedia` is one). With its category,
 * the combination rules are checked; with its state, a media not processed yet is refused; with its
 * expiry, an expired one — all before any request.
 *
 * @since 0.3.0
 * @category models
 */
export type PostMedia = string | {
  readonly mediaId: string
  readonly category?: MediaCategory | string | undefined
  readonly state?: string | undefined
  readonly expiresAt?: Date | undefined
}

/**
 * A post to create.
 *
 * @since 0.3.0
 * @category models
 */
export interface PostOptions {
  /** The text (at most 280 as X counts it); may be empty when there is media. */
  readonly text?: string | undefined
  /** Up to 4 images, or 1 GIF, or 1 video, in the order they are shown. */
  readonly media?: ReadonlyArray<PostMedia> | undefined
  /** The post this one replies to. */
  readonly replyTo?: string | undefined
  /** The post this one quotes. */
  readonly quote?: string | undefined
  /** Users tagged in the media (at most 10 user ids). */
  readonly taggedUserIds?: ReadonlyArray<string> | undefined
  /** The text limit, for accounts with a longer one (default 280). */
  readonly maxTextLength?: number | undefined
}

/**
 * A post X created.
 *
 * @since 0.3.0
 * @category models
 */
export class CreatedPost extends Schema.Class<CreatedPost>("CreatedPost")({
  id: PostId,
  text: Schema.String,
  /** The media ids attached, in order. */
  mediaIds: Schema.Array(Schema.String)
}) {}

/**
 * Everything {@link check} can fail with.
 *
 * @since 0.3.0
 * @category errors
 */
export type CheckError = InvalidPostText | InvalidMediaCombination | MediaNotReady | MediaExpired | InvalidOption

/**
 * Everything {@link create} can fail with: its checks, X's refusal of the media ids, an unknown
 * outcome, and any other answer of X.
 *
 * @since 0.3.0
 * @category errors
 */
export type CreateError = CheckError | InvalidMediaIds | PostOutcomeUnknown | XRequestError

type Kind = "image" | "gif" | "video" | "other"

const kindOf = (category: string): Kind =>
  category.startsWith("dm_") || category === "subtitles"
    ? "other"
    : category.endsWith("_gif")
    ? "gif"
    : category.endsWith("_video")
    ? "video"
    : "image"

/**
 * X's combination rules on the categories of a post's media (`undefined` for an unknown one): at
 * most 4, a GIF or a video alone, nothing that is not Post media. Fails with
 * `InvalidMediaCombination` saying which rule.
 *
 * @since 0.3.0
 * @category validation
 */
export const checkCombination = (
  media: ReadonlyArray<{ readonly name: string; readonly category: string | undefined }>
): Effect.Effect<void, InvalidMediaCombination> => {
  const kinds = media.map((m) => (m.category === undefined ? undefined : kindOf(m.category)))
  const count = (kind: Kind) => kinds.filter((k) => k === kind).length
  const counts = { count: media.length, images: count("image"), gifs: count("gif"), videos: count("video") }
  const other = media.find((m) => m.category !== undefined && kindOf(m.category) === "other")
  if (other !== undefined) {
    return Effect.fail(
      new InvalidMediaCombination({
        rule: "not-post-media",
        ...counts,
        media: other.name,
        category: other.category ?? ""
      })
    )
  }
  if (media.length > maxMediaPerPost) {
    return Effect.fail(new InvalidMediaCombination({ rule: "too-many-media", ...counts }))
  }
  if (media.length > 1 && counts.gifs > 0) {
    return Effect.fail(new InvalidMediaCombination({ rule: "gif-not-alone", ...counts }))
  }
  if (media.length > 1 && counts.videos > 0) {
    return Effect.fail(new InvalidMediaCombination({ rule: "video-not-alone", ...counts }))
  }
  return Effect.void
}

const digits = /^[0-9]{1,19}$/

const checkId = (option: string, value: string | undefined) =>
  value === undefined || digits.test(value)
    ? Effect.void
    : Effect.fail(new InvalidOption({ option, value, detail: "must be 1 to 19 digits" }))

const refOf = (media: PostMedia) => (typeof media === "string" ? { mediaId: media } : media)

/**
 * Checks a post before any request: the text ({@link PostText.check}), the ids (digits, no media
 * twice), the combination of the media whose category is known ({@link checkCombination}), and that
 * no media is known to be unprocessed (`MediaNotReady`) or expired (`MediaExpired`, by the `Clock`).
 *
 * @since 0.3.0
 * @category validation
 */
export const check = (options: PostOptions): Effect.Effect<void, CheckError> =>
  Effect.gen(function*() {
    const media = (options.media ?? []).map(refOf)
    yield* PostText.check(options.text ?? "", { hasMedia: media.length > 0, limit: options.maxTextLength })
    yield* checkId("reply-to post id", options.replyTo)
    yield* checkId("quoted post id", options.quote)
    for (const userId of options.taggedUserIds ?? []) yield* checkId("tagged user id", userId)
    for (const [index, ref] of media.entries()) {
      yield* checkId("media id", ref.mediaId)
      if (media.findIndex((other) => other.mediaId === ref.mediaId) !== index) {
        return yield* new InvalidOption({
          option: "media id",
          value: ref.mediaId,
          detail: "is attached twice; attach each media once"
        })
      }
    }
    yield* checkCombination(media.map((ref) => ({ name: `media ${ref.mediaId}`, category: ref.category })))
    const now = yield* Clock.currentTimeMillis
    for (const ref of media) {
      if (ref.state !== undefined && ref.state !== "succeeded") {
        return yield* new MediaNotReady({ mediaId: ref.mediaId, state: ref.state })
      }
      if (ref.expiresAt !== undefined && ref.expiresAt.getTime() <= now) {
        return yield* new MediaExpired({ mediaId: ref.mediaId, expiresAt: ref.expiresAt, step: "POST" })
      }
    }
  })

const CreatedAnswer = Schema.Struct({ data: Schema.Struct({ id: PostId, text: Schema.String }) })

const endpoint = "POST /2/tweets"

/** Failures where nothing reached X: the connection was never made. */
const neverConnected = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/

const invalidMediaText = /media ids? (?:are|is) invalid|invalid media/i

/** X's answer to a post, as the error that says what it means for the post. */
const postFailure = (mediaIds: ReadonlyArray<string>) => (error: XRequestError): CreateError => {
  switch (error._tag) {
    case "NetworkError":
      return neverConnected.test(error.reason)
        ? error
        : new PostOutcomeUnknown({
          endpoint,
          reason: error.timedOut ? `no answer came (${error.reason})` : `the connection failed (${error.reason})`,
          cause: error
        })
    case "MalformedResponse":
      return error.status >= 200 && error.status < 300
        ? new PostOutcomeUnknown({
          endpoint,
          reason:
            `X answered HTTP ${error.status}, probably creating it, but its answer could not be read (${error.problem})`,
          cause: error
        })
        : error
    case "XApiError":
      if (error.status >= 500) {
        return new PostOutcomeUnknown({
          endpoint,
          reason: `X answered HTTP ${error.status} (a server error)`,
          cause: error
        })
      }
      if (
        error.status === 400 && mediaIds.length > 0 &&
        (error.errors.some((e) => invalidMediaText.test(e.message)) || invalidMediaText.test(error.detail ?? ""))
      ) {
        return new InvalidMediaIds({ mediaIds: [...mediaIds], status: error.status, errors: error.errors })
      }
      return error
    default:
      return error
  }
}

/**
 * Creates a post (`POST /2/tweets`) with media already uploaded and processed. Checks it first
 * ({@link check}); nothing is sent when a check fails. The request is sent once: a 429 is waited
 * out, but a failure after which X may have created the post fails with `PostOutcomeUnknown`
 * instead of being retried. X's refusal of the media ids fails with `InvalidMediaIds`.
 *
 * Needs the `tweet.write` scope with OAuth 2.0 (a token without it fails with
 * `AuthenticationFailed`, reason `missing-scope`, naming it), or OAuth 1.0a credentials of an app
 * with write permission.
 *
 * @since 0.3.0
 * @category posting
 */
export const create = Effect.fn("x-media/Post.create")(function*(options: PostOptions) {
  yield* check(options)
  const mediaIds = (options.media ?? []).map((m) => refOf(m).mediaId)
  const tagged = options.taggedUserIds ?? []
  const body = {
    ...(options.text === undefined ? {} : { text: options.text }),
    ...(mediaIds.length === 0
      ? {}
      : { media: { media_ids: mediaIds, ...(tagged.length === 0 ? {} : { tagged_user_ids: tagged }) } }),
    ...(options.replyTo === undefined ? {} : { reply: { in_reply_to_tweet_id: options.replyTo } }),
    ...(options.quote === undefined ? {} : { quote_tweet_id: options.quote })
  }
  yield* Effect.annotateCurrentSpan({ "x-media.media_ids": mediaIds.join(",") })
  const x = yield* XClient
  const answer = yield* x.executeJson({
    step: "POST",
    endpoint,
    host: "api",
    idempotent: false,
    scope: "tweet.write",
    request: HttpClientRequest.post("/2/tweets").pipe(HttpClientRequest.bodyJsonUnsafe(body))
  }, CreatedAnswer).pipe(Effect.mapError(postFailure(mediaIds)))
  yield* Effect.annotateCurrentSpan("x-media.post_id", answer.data.id)
  return new CreatedPost({ id: answer.data.id, text: answer.data.text, mediaIds })
}) satisfies (options: PostOptions) => Effect.Effect<CreatedPost, CreateError, XClient>

/**
 * Subtitles for a video of {@link publish}: an SRT or WebVTT file and its language.
 *
 * @since 0.3.0
 * @category models
 */
export interface PublishSubtitles<R> {
  readonly source: MediaSource<R>
  /** Two letters (ISO 639-1), any case. */
  readonly languageCode: string
  /** The name viewers see; the language's English name by default. */
  readonly displayName?: string | undefined
}

/**
 * One file of a post for {@link publish}.
 *
 * @since 0.3.0
 * @category models
 */
export interface PublishMedia<R> {
  readonly source: MediaSource<R>
  /** Alt text (images and GIFs, at most 1000 characters). */
  readonly altText?: string | undefined
  /** A sensitive media warning and where the media was found. */
  readonly metadata?: Omit<MediaMetadata.Metadata, "altText"> | undefined
  /** Subtitles (videos only). */
  readonly subtitles?: PublishSubtitles<R> | undefined
  /** How it is uploaded (type, category, chunk size, concurrency, deadline …). It is always awaited. */
  readonly upload?: Omit<UploadOptions, "altText" | "wait" | "onProgress" | "onSession"> | undefined
}

/**
 * A post for {@link publish}: {@link PostOptions} with files instead of media ids.
 *
 * @since 0.3.0
 * @category models
 */
export interface PublishOptions<R> extends Omit<PostOptions, "media"> {
  readonly media: ReadonlyArray<PublishMedia<R>>
  /** Receives the progress events of each file's upload, with the file's position in `media`. */
  readonly onProgress?: ((event: UploadEvent, index: number) => Effect.Effect<void>) | undefined
}

/**
 * A post {@link publish} created, and its media as uploaded.
 *
 * @since 0.3.0
 * @category models
 */
export interface Published {
  readonly post: CreatedPost
  readonly media: ReadonlyArray<UploadedMedia>
  /** The subtitles attached, per position in `media` (empty for media without). */
  readonly subtitles: ReadonlyArray<ReadonlyArray<Subtitles.Track>>
}

/**
 * Everything {@link publish} can fail with.
 *
 * @since 0.3.0
 * @category errors
 */
export type PublishError = CreateError | UploadError | PreflightError

/** A source already opened: the upload reads it from there, so it is opened (and sniffed) once. */
const opened = <R>(source: MediaSource<R>, media: OpenedMedia): MediaSource => ({
  name: source.name,
  fileName: source.fileName,
  open: Effect.succeed(media)
})

/** Opens a source and checks it as an upload would, before any request. */
const prepare = <R>(source: MediaSource<R>, options: PublishMedia<R>["upload"], altText: string | undefined) =>
  Effect.gen(function*() {
    const media = yield* source.open
    const mediaType = yield* resolveMediaType({
      explicit: options?.mediaType,
      head: media.head,
      fileName: source.fileName,
      source: source.name
    })
    const category = yield* resolveCategory({ mediaType, requested: options?.category })
    yield* checkMedia({
      source: source.name,
      size: media.size,
      mediaType,
      category,
      altText,
      limits: options?.limits?.bytes
    })
    return { source: opened(source, media), category }
  })

/**
 * The whole job, from files to a post. In order:
 *
 * 1. Every check that needs no request, for every file, before any request: the text, the
 *    number of media, each file (type, size, alt text, metadata, subtitles' language and type),
 *    then the combination (at most 4 images, or 1 GIF, or 1 video). Each source is opened once.
 * 2. The files (and subtitle files) are uploaded concurrently, through the one `MediaClient` and so
 *    under one rate budget; each is awaited until X has processed it (`state` succeeded), then its
 *    alt text, metadata and subtitles are set.
 * 3. Only when every media is ready is the post created ({@link create}), once.
 *
 * The first failure stops the other uploads. Interrupting it aborts the requests in flight.
 *
 * @since 0.3.0
 * @category posting
 */
export const publish = <R>(
  options: PublishOptions<R>
): Effect.Effect<Published, PublishError, MediaClient | XClient | R> =>
  Effect.scoped(Effect.gen(function*() {
    const items = options.media
    yield* PostText.check(options.text ?? "", { hasMedia: items.length > 0, limit: options.maxTextLength })
    yield* checkId("reply-to post id", options.replyTo)
    yield* checkId("quoted post id", options.quote)
    if (items.length > maxMediaPerPost) {
      yield* checkCombination(items.map((item) => ({ name: item.source.name, category: undefined })))
    }
    const prepared = yield* Effect.forEach(items, (item) =>
      Effect.gen(function*() {
        const main = yield* prepare(item.source, item.upload, item.altText)
        if (item.metadata !== undefined) yield* MediaMetadata.check(item.metadata, main.category)
        const subtitles = item.subtitles
        if (subtitles === undefined) return { item, main, subtitles: undefined }
        if (kindOf(main.category) !== "video") {
          return yield* new InvalidOption({
            option: "subtitles",
            value: subtitles.source.name,
            detail: `subtitles attach to a video only, and ${item.source.name} is ${main.category}`
          })
        }
        const languageCode = yield* Subtitles.languageCode(subtitles.languageCode)
        const file = yield* prepare(subtitles.source, { category: "subtitles" }, undefined)
        return { item, main, subtitles: { file, languageCode, displayName: subtitles.displayName } }
      }))
    yield* checkCombination(prepared.map(({ item, main }) => ({ name: item.source.name, category: main.category })))

    const uploadOne = (entry: typeof prepared[number], index: number) =>
      Effect.gen(function*() {
        const { item, main, subtitles } = entry
        const onProgress = options.onProgress === undefined
          ? undefined
          : (event: UploadEvent) => options.onProgress?.(event, index) ?? Effect.void
        // The subtitles file is no file of `media`: its retries and waits go where the post's own requests' do.
        const given = yield* GivenProgressListener
        const subtitlesProgress = (event: UploadEvent) =>
          event._tag === "Retrying" || event._tag === "RateLimitWait" ? given(event) : Effect.void
        const [media, subtitlesMedia] = yield* Effect.all([
          upload(main.source, { ...item.upload, altText: item.altText, wait: true, onProgress }),
          subtitles === undefined
            ? Effect.succeed(undefined)
            : Subtitles.upload(subtitles.file.source, { onProgress: subtitlesProgress })
        ], { concurrency: 2 })
        // Never attach or post anything X has not finished processing.
        if (media.state !== "succeeded") return yield* new MediaNotReady({ mediaId: media.mediaId, state: media.state })
        if (item.metadata !== undefined) yield* MediaMetadata.set(media.mediaId, item.metadata)
        const tracks = subtitles === undefined || subtitlesMedia === undefined
          ? []
          : yield* Subtitles.attach({
            videoId: media.mediaId,
            subtitlesId: subtitlesMedia.mediaId,
            languageCode: subtitles.languageCode,
            displayName: subtitles.displayName,
            videoCategory: Subtitles.videoCategoryOf(media.category)
          })
        return { media, tracks }
      })

    const uploaded = yield* Effect.forEach(prepared, uploadOne, { concurrency: "unbounded" })
    const media = uploaded.map((u) => u.media)
    const post = yield* create({
      text: options.text,
      media,
      replyTo: options.replyTo,
      quote: options.quote,
      taggedUserIds: options.taggedUserIds,
      maxTextLength: options.maxTextLength
    })
    const published: Published = { post, media, subtitles: uploaded.map((u) => u.tracks) }
    return published
  })).pipe(Effect.withSpan("x-media/Post.publish", { attributes: { "x-media.media_count": options.media.length } }))
