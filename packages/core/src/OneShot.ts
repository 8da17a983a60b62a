/**
 * X's one-request upload (v2's one-shot `POST /2/media/upload`, v1.1's simple upload): which media
 * it takes, and which of its failures the chunked upload (INIT, APPEND, FINALIZE) may still get past.
 * `Upload.upload` decides with these; so does a caller that runs the steps itself (the fleet's
 * workflow). The request is `MediaClient.oneShot`.
 *
 * @since 0.2.0
 */
import type { Dialect } from "./Dialect.ts"
import type {
  MalformedResponse,
  NetworkError,
  ProcessingFailed,
  RateLimited,
  XApiError,
  XRequestError
} from "./Errors.ts"
import type { MediaCategory } from "./MediaCategory.ts"

/**
 * The categories each dialect takes in one request: v1.1's simple upload images, v2's one-shot
 * upload images and subtitles (since 2025-04-30; video and GIF need the chunked upload).
 *
 * @since 0.2.0
 * @category constants
 */
export const categories: Readonly<Record<Dialect, ReadonlyArray<MediaCategory>>> = {
  v1: ["tweet_image", "dm_image"],
  v2: ["tweet_image", "dm_image", "subtitles"]
}

/**
 * The most bytes of media X's one request carries: 5 MiB (5,242,880 bytes, X's limit for an image and
 * for v1.1's `media` part).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxBytes = 5 * 1024 * 1024

/**
 * The most bytes one request may carry for an upload's options: X's limit ({@link maxBytes}), or
 * lower where the caller chose a segment size (`chunkSize`) or a limit for segments (`maxChunkBytes`,
 * an emulator's scaled-down limits).
 *
 * @since 0.2.0
 * @category constructors
 */
export const maxBytesFor = (options: {
  readonly chunkSize?: number | undefined
  readonly maxChunkBytes?: number | undefined
}): number => Math.min(options.chunkSize ?? maxBytes, options.maxChunkBytes ?? maxBytes)

/**
 * Whether media goes in one request: a category the dialect takes that way, not a GIF (X processes
 * GIFs), and at most `maxBytes` bytes (X's limit, {@link maxBytes}, unless the caller's is lower: a
 * segment size the caller chose bounds every request's body).
 *
 * @since 0.2.0
 * @category predicates
 */
export const takes = (
  dialect: Dialect,
  media: {
    readonly mediaType: string
    readonly category: MediaCategory
    readonly totalBytes: number
    readonly maxBytes?: number | undefined
  }
): boolean =>
  media.totalBytes <= Math.min(maxBytes, media.maxBytes ?? maxBytes) && media.mediaType !== "image/gif" &&
  categories[dialect].includes(media.category)

/**
 * A failure of the one request that the chunked upload may get past ({@link chunkedMayDoBetter}).
 *
 * @since 0.2.0
 * @category models
 */
export type Declined = RateLimited | XApiError | MalformedResponse | NetworkError

/**
 * Whether the chunked upload may get past a failure of the one request. The one request is a
 * shortcut, and parts of X's contract for it are not confirmed (which fields it takes, the shape of
 * its answer), so whatever X says against it is worth the chunked upload, which has endpoints and
 * rate-limit windows of its own: an error status after the retries (a 404 where there is no such
 * endpoint: a proxy, X's own outages of it), an answer in another shape, a used-up window; and so is
 * a link too slow for the whole media at once (the chunked upload paces itself). Not refused
 * credentials (every request would be refused), a connection that failed after its retries (X
 * cannot be reached), or X's word that processing failed.
 *
 * @since 0.2.0
 * @category predicates
 */
export const chunkedMayDoBetter = (error: XRequestError | ProcessingFailed): error is Declined =>
  error._tag === "RateLimited" || error._tag === "XApiError" || error._tag === "MalformedResponse" ||
  (error._tag === "NetworkError" && error.timedOut)

/**
 * Why the one request was not taken, in a few words, for a progress line. Unlike the error's
 * message it gives no advice: the chunked upload that follows is the answer.
 *
 * @since 0.2.0
 * @category formatting
 */
export const declinedBecause = (error: Declined): string => {
  switch (error._tag) {
    case "RateLimited":
      return `its rate-limit window is used up until ${error.resetAt.toISOString()}`
    case "XApiError": {
      const said = error.errors[0]?.message ?? error.detail ?? error.title
      return `X answered HTTP ${error.status}${said === undefined ? "" : `: ${said}`}`
    }
    case "MalformedResponse":
      return `X's answer (HTTP ${error.status}) could not be read: ${error.problem}`
    case "NetworkError":
      return error.reason
  }
}
