/**
 * Schemas for what clients send: v1.1 parameters (strings from the query, an urlencoded body or multipart
 * fields), and the v2 JSON bodies of initialize, append and metadata. Fields are optional here so that a
 * missing one can be answered with X's code 38 rather than a generic decode error; present fields must be
 * well-formed.
 *
 * @module
 */
import { Result, Schema, SchemaTransformation } from "effect"

/** A media id: 1 to 19 digits (X's `MediaId` pattern). */
export const MediaIdString = Schema.String.check(Schema.isPattern(/^[0-9]{1,19}$/))

/** Whole bytes as decimal digits in a string (v1.1 `total_bytes`). */
export const DigitsToNumber = Schema.String.check(Schema.isPattern(/^[0-9]{1,16}$/)).pipe(
  Schema.decodeTo(
    Schema.Int,
    SchemaTransformation.transform({ decode: (s: string) => Number(s), encode: (n: number) => String(n) })
  )
)

/** A segment index: a JSON integer, or a string of 1 to 3 digits (spec 2.159 allows both). */
export const SegmentIndex = Schema.Union([
  Schema.Int,
  Schema.String.check(Schema.isPattern(/^[0-9]{1,3}$/)).pipe(
    Schema.decodeTo(
      Schema.Int,
      SchemaTransformation.transform({ decode: (s: string) => Number(s), encode: (n: number) => String(n) })
    )
  )
])

/** The v2 initialize body (`InitializeMediaUploadRequest`). */
export const InitializeBody = Schema.Struct({
  media_type: Schema.optionalKey(Schema.String),
  total_bytes: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 17_179_869_184 }))),
  media_category: Schema.optionalKey(Schema.String),
  additional_owners: Schema.optionalKey(Schema.Array(MediaIdString)),
  shared: Schema.optionalKey(Schema.Boolean)
})

/** The v2 JSON append body: `{"segment_index":0,"media":"<base64>"}`. */
export const AppendJsonBody = Schema.Struct({
  segment_index: Schema.optionalKey(SegmentIndex),
  media: Schema.optionalKey(Schema.String)
})

const AltText = Schema.Struct({ text: Schema.String })

/** The v2 metadata body: `{"id":"…","metadata":{"alt_text":{"text":"…"}}}`. */
export const MetadataBody = Schema.Struct({
  id: Schema.optionalKey(MediaIdString),
  metadata: Schema.optionalKey(Schema.Struct({ alt_text: Schema.optionalKey(AltText) }))
})

/** The v1.1 metadata/create body: `{"media_id":"…","alt_text":{"text":"…"}}` (the id as a string). */
export const V1MetadataBody = Schema.Struct({
  media_id: Schema.optionalKey(MediaIdString),
  alt_text: Schema.optionalKey(AltText)
})

/** Decodes `input` with `schema`; the error is the schema's message. */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema)
  return (input: unknown): Result.Result<S["Type"], string> => Result.mapError(run(input), (error) => error.message)
}

/** Strict base64 (standard alphabet, optional padding); the decoded bytes, or `undefined` when not base64. */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  const compact = text.replace(/[\r\n]/g, "")
  if (compact.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined
  return Buffer.from(compact, "base64")
}
