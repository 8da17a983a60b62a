/**
 * The two forms of X's media upload API.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
/**
 * `v2`: api.x.com `/2/media/upload/...` (the default, what X serves to self-serve developers today).
 * `v1`: upload.twitter.com `/1.1/media/upload.json` with `command=INIT|APPEND|FINALIZE|STATUS`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Dialect = Schema.Literals(["v1", "v2"])

/**
 * `v1` or `v2`.
 *
 * @since 0.2.0
 * @category schemas
 */
export type Dialect = typeof Dialect.Type

/**
 * The dialect used when none is configured.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultDialect: Dialect = "v2"

/**
 * The host each dialect talks to unless a base URL replaces it (`X_MEDIA_BASE_URL`).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultBaseUrl: Record<Dialect, string> = {
  v1: "https://upload.twitter.com",
  v2: "https://api.x.com"
}
