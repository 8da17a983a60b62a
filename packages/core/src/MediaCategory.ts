/**
 * Media categories (`media_category`): which one a media type gets, which ones it may use, the byte
 * limit of each, whether X processes it asynchronously, whether it can carry alt text, and the
 * pre-flight check that applies them before any request.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { CategoryMismatch, EmptyMedia, InvalidAltText, MediaTooLarge } from "./Errors.ts"
import type { MediaType } from "./MediaType.ts"

/**
 * A media category as X spells it in INIT (v1.1 `media_category`, v2 `media_category`). It selects
 * the size and duration rules, and turns on asynchronous processing for video and GIF.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MediaCategory = Schema.Literals([
  "tweet_image",
  "tweet_gif",
  "tweet_video",
  "amplify_video",
  "dm_image",
  "dm_gif",
  "dm_video",
  "subtitles"
])

/**
 * A media category as X spells it.
 *
 * @since 0.2.0
 * @category schemas
 */
export type MediaCategory = typeof MediaCategory.Type

/**
 * Every media category, in the order of X's v1.1 documentation.
 *
 * @since 0.2.0
 * @category constants
 */
export const mediaCategories: ReadonlyArray<MediaCategory> = MediaCategory.literals

const imageCategories: ReadonlyArray<MediaCategory> = ["tweet_image", "dm_image"]
const gifCategories: ReadonlyArray<MediaCategory> = ["tweet_gif", "dm_gif", "tweet_image", "dm_image"]
const videoCategories: ReadonlyArray<MediaCategory> = ["tweet_video", "amplify_video", "dm_video"]
const subtitleCategories: ReadonlyArray<MediaCategory> = ["subtitles"]

/**
 * The categories a media type may be uploaded with, the default first.
 *
 * - `image/gif`: `tweet_gif`, `dm_gif`, and also `tweet_image`/`dm_image` (X takes a GIF up to 5 MB
 *   as an image; it is then not processed as an animation).
 * - other `image/*`: `tweet_image`, `dm_image`.
 * - `video/*`: `tweet_video`, `amplify_video`, `dm_video`.
 * - `text/srt`, `text/vtt`: `subtitles`.
 * - `model/gltf-binary`, `model/vnd.usdz+zip`: X accepts these types at INIT but documents no
 *   category for them; they are treated as images (`tweet_image`, `dm_image`). UNCONFIRMED.
 *
 * @since 0.2.0
 * @category rules
 */
export const allowedCategories = (mediaType: MediaType): ReadonlyArray<MediaCategory> => {
  if (mediaType === "image/gif") return gifCategories
  if (mediaType === "text/srt" || mediaType === "text/vtt") return subtitleCategories
  if (mediaType.startsWith("video/")) return videoCategories
  return imageCategories
}

/**
 * The category X would pick for Post media of this type: `tweet_gif` for GIF, `tweet_image` for
 * other images, `tweet_video` for video, `subtitles` for SRT and WebVTT (3D models: `tweet_image`,
 * see {@link allowedCategories}).
 *
 * @since 0.2.0
 * @category rules
 */
export const defaultCategory = (mediaType: MediaType): MediaCategory => allowedCategories(mediaType)[0] ?? "tweet_image"

/**
 * Decides the category of an upload: `requested` when given (compared case-insensitively, and
 * X's older CamelCase spellings such as `TweetVideo` are understood), else
 * {@link defaultCategory}. Fails with `CategoryMismatch` when the requested category is not one
 * of X's names, or does not fit the media type (for example `tweet_image` for a video); the error
 * lists the categories that fit.
 *
 * @since 0.2.0
 * @category validation
 */
export const resolveCategory = (options: {
  readonly mediaType: MediaType
  readonly requested?: string | undefined
}): Effect.Effect<MediaCategory, CategoryMismatch> => {
  const { mediaType, requested } = options
  const allowed = allowedCategories(mediaType)
  if (requested === undefined) return Effect.succeed(defaultCategory(mediaType))
  const normalized = requested.trim().replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()
  const found = allowed.find((category) => category === normalized)
  return found === undefined
    ? Effect.fail(new CategoryMismatch({ mediaType, category: requested, allowed: [...allowed] }))
    : Effect.succeed(found)
}

/**
 * A byte limit for each category.
 *
 * @since 0.2.0
 * @category models
 */
export type ByteLimits = Readonly<Record<MediaCategory, number>>

/** 5 MB as X counts it (5 × 1024 × 1024; the number in X's error text). */
const MB5 = 5_242_880

/**
 * X's size limit of each category, in bytes:
 *
 * - `tweet_image`, `dm_image`: 5 MB (5,242,880).
 * - `tweet_gif`, `dm_gif`: 15 MB (15,728,640).
 * - `tweet_video`, `dm_video`, `amplify_video`: 512 MB (536,870,912).
 * - `subtitles`: 5 MB (5,242,880). X documents no subtitle limit; 5 MB is the documented limit of a
 *   one-request (simple) upload, which is how X's v2 API takes subtitles besides images, so it is
 *   the conservative choice (real SRT/WebVTT files are a few hundred KB at most).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultByteLimits: ByteLimits = {
  tweet_image: MB5,
  dm_image: MB5,
  tweet_gif: 15_728_640,
  dm_gif: 15_728_640,
  tweet_video: 536_870_912,
  dm_video: 536_870_912,
  amplify_video: 536_870_912,
  subtitles: MB5
}

/**
 * The byte limit of a category: the override from `limits` when it has one, else
 * {@link defaultByteLimits}. Overrides exist for tests and for an emulator that scales limits down.
 *
 * @since 0.2.0
 * @category rules
 */
export const byteLimit = (category: MediaCategory, limits?: Partial<ByteLimits>): number =>
  limits?.[category] ?? defaultByteLimits[category]

/**
 * Whether X processes media of this category asynchronously after FINALIZE (so STATUS must be
 * polled until it succeeds): the video and GIF categories. Images and subtitles are ready at
 * FINALIZE.
 *
 * @since 0.2.0
 * @category rules
 */
export const isAsyncCategory = (category: MediaCategory): boolean =>
  category === "tweet_video" || category === "amplify_video" || category === "dm_video" ||
  category === "tweet_gif" || category === "dm_gif"

/**
 * Whether media of this category can carry alt text: images and GIFs only (not video, not subtitles).
 *
 * @since 0.2.0
 * @category rules
 */
export const acceptsAltText = (category: MediaCategory): boolean =>
  category === "tweet_image" || category === "dm_image" || category === "tweet_gif" || category === "dm_gif"

/**
 * The longest alt text X takes, in characters (v2 `alt_text.text` maxLength).
 *
 * @since 0.2.0
 * @category constants
 */
export const altTextMaxLength = 1000

/**
 * The length of a text in characters as X counts alt text: Unicode code points, so an emoji outside
 * the Basic Multilingual Plane counts once, not twice as `String.length` would.
 *
 * @since 0.2.0
 * @category utils
 */
export const codePointLength = (text: string): number => {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // A high surrogate followed by a low surrogate is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

/**
 * Checks an upload before any request:
 *
 * 1. the media is not empty (`EmptyMedia`);
 * 2. the category fits the media type (`CategoryMismatch`, see {@link allowedCategories});
 * 3. the size is within the category's limit, the limit itself allowed (`MediaTooLarge`, see
 *    {@link byteLimit}; `limits` overrides it);
 * 4. alt text, when given, is for a category that takes it and at most {@link altTextMaxLength}
 *    code points (`InvalidAltText` with reason `not-supported` or `too-long`). An empty alt text
 *    counts as none.
 *
 * `source` names the media in the errors (a path, or a label such as "<stdin>").
 *
 * @since 0.2.0
 * @category validation
 */
export const checkMedia = (options: {
  readonly source: string
  readonly size: number
  readonly mediaType: MediaType
  readonly category: MediaCategory
  readonly altText?: string | undefined
  readonly limits?: Partial<ByteLimits> | undefined
}): Effect.Effect<void, EmptyMedia | CategoryMismatch | MediaTooLarge | InvalidAltText> => {
  const { altText, category, mediaType, size, source } = options
  if (size <= 0) return Effect.fail(new EmptyMedia({ source }))
  const allowed = allowedCategories(mediaType)
  if (!allowed.includes(category)) {
    return Effect.fail(new CategoryMismatch({ mediaType, category, allowed: [...allowed] }))
  }
  const limit = byteLimit(category, options.limits)
  if (size > limit) {
    // Only a category that fits the type and takes this size is worth naming.
    const largerCategories = allowed.filter((other) => byteLimit(other, options.limits) >= size)
    return Effect.fail(
      new MediaTooLarge({
        source,
        size,
        limit,
        category,
        ...(largerCategories.length === 0 ? {} : { largerCategories })
      })
    )
  }
  if (altText !== undefined && altText.length > 0) {
    const length = codePointLength(altText)
    if (!acceptsAltText(category)) {
      return Effect.fail(new InvalidAltText({ reason: "not-supported", length, limit: altTextMaxLength, category }))
    }
    if (length > altTextMaxLength) {
      return Effect.fail(new InvalidAltText({ reason: "too-long", length, limit: altTextMaxLength, category }))
    }
  }
  return Effect.void
}
