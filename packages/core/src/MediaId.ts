/**
 * Media identifiers as X sends them: strings of digits, never JavaScript numbers.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
/**
 * A media id: 1 to 19 decimal digits, kept as a string.
 *
 * X's v1.1 responses also carry the id as a JSON number (`media_id`), which `JSON.parse` rounds
 * (710511363345354753 becomes 710511363345354800). That field is never read: ids come from
 * `media_id_string` (v1.1) or `data.id` (v2). Decoding fails on anything that is not 1 to 19 digits.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MediaId = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,19}$/, { message: "a media id is a string of 1 to 19 digits" })
).pipe(Schema.brand("MediaId"))

/**
 * A media id that has been checked to be 1 to 19 digits.
 *
 * @since 0.2.0
 * @category schemas
 */
export type MediaId = typeof MediaId.Type

/**
 * Checks and brands a media id given as a string.
 * Throws a SchemaError for anything that is not 1 to 19 digits: use it for literals and trusted
 * values; decode untrusted input with `Schema.decodeUnknownEffect(MediaId)` instead.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMediaId = (id: string): MediaId => Schema.decodeUnknownSync(MediaId)(id)
