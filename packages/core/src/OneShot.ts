/**
 * X's one-request upload (v2's one-shot `POST /2/media/upload`, v1.1's simple upload): which media
 * it takes, and which of its failures the chunked upload (INIT, APPEND, FINALIZE) may still get past.
 * `Upload.upload` decides with these; so does a caller that runs the steps itself (the fleet's
 * workflow). The request is `MediaClient.oneShot`.
 *
 * @since 0.2.0
 */
import type { Dialect } from "./Dialect.ts"
import type { ProcessingFailed, XRequestError } from "./Errors.ts"
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
 * Whether media goes in one request: a category the dialect takes that way, not a GIF (X processes
 * GIFs), and all of it in one segment (larger media keeps the segment size the caller chose).
 *
 * @since 0.2.0
 * @category predicates
 */
export const takes = (
  dialect: Dialect,
  media: { readonly mediaType: string; readonly category: MediaCategory; readonly segmentCount: number }
): boolean =>
  media.segmentCount === 1 && media.mediaType !== "image/gif" && categories[dialect].includes(media.category)

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
export const chunkedMayDoBetter = (error: XRequestError | ProcessingFailed): boolean =>
  error._tag === "RateLimited" || error._tag === "XApiError" || error._tag === "MalformedResponse" ||
  (error._tag === "NetworkError" && error.timedOut)
