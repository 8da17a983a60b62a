/**
 * Media metadata beyond the upload, through `POST /2/media/metadata`: alt text, a sensitive media
 * warning (`adult_content`, `graphic_violence`, `other`) and where the media was found
 * (`found_media_origin`: a provider and its id for the media). Set it once the media is ready and
 * before it is posted. Every value is checked before the request.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Schema from "effect/Schema"
import { InvalidAltText, InvalidOption, type XRequestError } from "./Errors.ts"
import { altTextMaxLength, codePointLength } from "./MediaCategory.ts"
import { XClient } from "./XClient.ts"

/**
 * Which warnings a viewer sees before the media. A missing field is `false`.
 *
 * @since 0.3.0
 * @category models
 */
export interface SensitiveMediaWarning {
  readonly adultContent?: boolean | undefined
  readonly graphicViolence?: boolean | undefined
  readonly other?: boolean | undefined
}

/**
 * Where the media was found: the provider (1 to 8 characters, e.g. `giphy`) and its id for the
 * media (1 to 24 characters).
 *
 * @since 0.3.0
 * @category models
 */
export interface FoundMediaOrigin {
  readonly provider: string
  readonly id: string
}

/**
 * The metadata to set; absent parts are left as they are.
 *
 * @since 0.3.0
 * @category models
 */
export interface Metadata {
  /** Alt text: images and GIFs only, at most 1000 characters. */
  readonly altText?: string | undefined
  readonly sensitiveMediaWarning?: SensitiveMediaWarning | undefined
  readonly foundMediaOrigin?: FoundMediaOrigin | undefined
}

/**
 * The longest `found_media_origin.provider` X's schema describes.
 *
 * @since 0.3.0
 * @category constants
 */
export const maxOriginProviderLength = 8

/**
 * The longest `found_media_origin.id` X's schema describes.
 *
 * @since 0.3.0
 * @category constants
 */
export const maxOriginIdLength = 24

const between = (option: string, value: string, max: number) => {
  const length = codePointLength(value)
  return length >= 1 && length <= max
    ? Effect.void
    : Effect.fail(new InvalidOption({ option, value, detail: `must be 1 to ${max} characters (it has ${length})` }))
}

/**
 * Checks metadata before any request: alt text at most 1000 characters (`InvalidAltText`), and
 * the origin's provider and id within X's lengths (`InvalidOption`). `category`, when known, names
 * the media's category in the errors.
 *
 * @since 0.3.0
 * @category validation
 */
export const check = (
  metadata: Metadata,
  category = "unknown"
): Effect.Effect<void, InvalidAltText | InvalidOption> =>
  Effect.gen(function*() {
    const altText = metadata.altText
    if (altText !== undefined && codePointLength(altText) > altTextMaxLength) {
      return yield* new InvalidAltText({
        reason: "too-long",
        length: codePointLength(altText),
        limit: altTextMaxLength,
        category
      })
    }
    const origin = metadata.foundMediaOrigin
    if (origin !== undefined) {
      yield* between("found media origin provider", origin.provider, maxOriginProviderLength)
      yield* between("found media origin id", origin.id, maxOriginIdLength)
    }
  })

/** X's body for the metadata, in its spelling. */
const wireOf = (metadata: Metadata) => {
  const warning = metadata.sensitiveMediaWarning
  return {
    ...(metadata.altText === undefined ? {} : { alt_text: { text: metadata.altText } }),
    ...(warning === undefined ? {} : {
      sensitive_media_warning: {
        adult_content: warning.adultContent ?? false,
        graphic_violence: warning.graphicViolence ?? false,
        other: warning.other ?? false
      }
    }),
    ...(metadata.foundMediaOrigin === undefined
      ? {}
      : { found_media_origin: { provider: metadata.foundMediaOrigin.provider, id: metadata.foundMediaOrigin.id } })
  }
}

const MetadataAnswer = Schema.Struct({ data: Schema.Struct({ id: Schema.String }) })

/**
 * Sets metadata on a media id (`POST /2/media/metadata`, on the v2 API whatever the upload dialect).
 * Checks it first ({@link check}); metadata with nothing in it sends nothing. Fails with X's answer
 * as an `XRequestError` (an XApiError for alt text on a video, for example).
 *
 * @since 0.3.0
 * @category metadata
 */
export const set = Effect.fn("x-media/MediaMetadata.set")(function*(mediaId: string, metadata: Metadata) {
  yield* check(metadata)
  const fields = wireOf(metadata)
  if (Object.keys(fields).length === 0) return
  const x = yield* XClient
  yield* x.executeJson({
    step: "METADATA",
    endpoint: "POST /2/media/metadata",
    host: "api",
    mediaId,
    request: HttpClientRequest.post("/2/media/metadata").pipe(
      HttpClientRequest.bodyJsonUnsafe({ id: mediaId, metadata: fields })
    )
  }, MetadataAnswer)
}) satisfies (
  mediaId: string,
  metadata: Metadata
) => Effect.Effect<void, XRequestError | InvalidAltText | InvalidOption, XClient>
