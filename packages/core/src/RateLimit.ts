/**
 * X's rate-limit headers, read from every response.
 *
 * @since 0.2.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
/**
 * What `x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` said.
 * `resetAt` is the moment the window resets (X sends Unix epoch seconds).
 *
 * @since 0.2.0
 * @category models
 */
export class RateLimitInfo extends Schema.Class<RateLimitInfo>("RateLimitInfo")({
  limit: Schema.Int,
  remaining: Schema.Int,
  resetAt: Schema.Date
}) {}

const headerInt = (headers: Readonly<Record<string, string | undefined>>, name: string): Option.Option<number> => {
  const raw = headers[name]
  if (raw === undefined || !/^\s*\d{1,15}\s*$/.test(raw)) return Option.none()
  return Option.some(Number(raw.trim()))
}

/**
 * Reads the rate-limit headers of a response. Returns `None` unless all three are present and are
 * whole numbers (a missing or malformed header is not an error: X omits them on some answers).
 *
 * @since 0.2.0
 * @category parsing
 */
export const rateLimitFromHeaders = (
  headers: Readonly<Record<string, string | undefined>>
): Option.Option<RateLimitInfo> =>
  Option.all({
    limit: headerInt(headers, "x-rate-limit-limit"),
    remaining: headerInt(headers, "x-rate-limit-remaining"),
    reset: headerInt(headers, "x-rate-limit-reset")
  }).pipe(
    Option.map(({ limit, remaining, reset }) =>
      new RateLimitInfo({ limit, remaining, resetAt: new Date(reset * 1000) })
    )
  )
