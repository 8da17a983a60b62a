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

/**
 * The v2 one-shot body as JSON: `{"media":"<base64>","media_category":"tweet_image"}`. `additional_owners` is a
 * comma-separated string in X's current schema and an array in an older one: both are read.
 */
export const OneShotJsonBody = Schema.Struct({
  media: Schema.optionalKey(Schema.String),
  media_category: Schema.optionalKey(Schema.String),
  media_type: Schema.optionalKey(Schema.String),
  additional_owners: Schema.optionalKey(Schema.Union([Schema.String, Schema.Array(MediaIdString)])),
  shared: Schema.optionalKey(Schema.Boolean)
})

const AltText = Schema.Struct({ text: Schema.String })

/**
 * The v2 metadata body: `{"id":"…","metadata":{"alt_text":{"text":"…"},"sensitive_media_warning":{…},
 * "found_media_origin":{"provider":"…","id":"…"}}}`. Other metadata keys of X's schema are accepted and ignored.
 */
export const MetadataBody = Schema.Struct({
  id: Schema.optionalKey(MediaIdString),
  metadata: Schema.optionalKey(Schema.Struct({
    alt_text: Schema.optionalKey(AltText),
    sensitive_media_warning: Schema.optionalKey(Schema.Struct({
      adult_content: Schema.optionalKey(Schema.Boolean),
      graphic_violence: Schema.optionalKey(Schema.Boolean),
      other: Schema.optionalKey(Schema.Boolean)
    })),
    found_media_origin: Schema.optionalKey(Schema.Struct({ provider: Schema.String, id: Schema.String }))
  }))
})

/** `POST /2/media/subtitles`: `{"id":"…","media_category":"TweetVideo","subtitles":{"id","language_code","display_name"}}`. */
export const SubtitlesCreateBody = Schema.Struct({
  id: Schema.optionalKey(MediaIdString),
  media_category: Schema.optionalKey(Schema.String),
  subtitles: Schema.optionalKey(Schema.Struct({
    id: Schema.optionalKey(MediaIdString),
    language_code: Schema.optionalKey(Schema.String),
    display_name: Schema.optionalKey(Schema.String)
  }))
})

/** `DELETE /2/media/subtitles`: `{"id":"…","media_category":"TweetVideo","language_code":"EN"}`. */
export const SubtitlesDeleteBody = Schema.Struct({
  id: Schema.optionalKey(MediaIdString),
  media_category: Schema.optionalKey(Schema.String),
  language_code: Schema.optionalKey(Schema.String)
})

/** An id of a post or a user: 1 to 19 digits. */
export const IdString = Schema.String.check(Schema.isPattern(/^[0-9]{1,19}$/))

const ReplySettings = Schema.Literals(["following", "mentionedUsers", "subscribers", "verified"])

/**
 * The `POST /2/tweets` body (`CreatePostsRequest`, OpenAPI 2.167; unknown keys are refused as X's schema
 * does). `media.media_ids` is read as any strings here so that malformed ids get X's media answer.
 */
export const PostBody = Schema.Struct({
  text: Schema.optionalKey(Schema.String),
  media: Schema.optionalKey(Schema.Struct({
    media_ids: Schema.Array(Schema.String),
    tagged_user_ids: Schema.optionalKey(Schema.Array(IdString).check(Schema.isMaxLength(10))),
    preview_media_id: Schema.optionalKey(MediaIdString),
    description: Schema.optionalKey(Schema.String),
    title: Schema.optionalKey(Schema.String),
    embeddable: Schema.optionalKey(Schema.Boolean),
    call_to_actions: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
  })),
  reply: Schema.optionalKey(Schema.Struct({
    in_reply_to_tweet_id: IdString,
    exclude_reply_user_ids: Schema.optionalKey(Schema.Array(Schema.String)),
    auto_populate_reply_metadata: Schema.optionalKey(Schema.Boolean)
  })),
  quote_tweet_id: Schema.optionalKey(IdString),
  card_uri: Schema.optionalKey(Schema.String),
  community_id: Schema.optionalKey(IdString),
  direct_message_deep_link: Schema.optionalKey(Schema.String),
  edit_options: Schema.optionalKey(Schema.Struct({ previous_post_id: IdString })),
  for_super_followers_only: Schema.optionalKey(Schema.Boolean),
  geo: Schema.optionalKey(Schema.Struct({ place_id: Schema.String })),
  made_with_ai: Schema.optionalKey(Schema.Boolean),
  nullcast: Schema.optionalKey(Schema.Boolean),
  paid_partnership: Schema.optionalKey(Schema.Boolean),
  poll: Schema.optionalKey(Schema.Struct({
    duration_minutes: Schema.Int.check(Schema.isBetween({ minimum: 5, maximum: 10080 })),
    options: Schema.Array(Schema.String.check(Schema.isBetweenLength(1, 25))).check(Schema.isBetweenLength(2, 4)),
    reply_settings: Schema.optionalKey(ReplySettings)
  })),
  reply_settings: Schema.optionalKey(ReplySettings),
  share_with_followers: Schema.optionalKey(Schema.Boolean)
})

/** A decoded `POST /2/tweets` body. */
export type PostBody = typeof PostBody.Type

/** The v1.1 metadata/create body: `{"media_id":"…","alt_text":{"text":"…"}}` (the id as a string). */
export const V1MetadataBody = Schema.Struct({
  media_id: Schema.optionalKey(MediaIdString),
  alt_text: Schema.optionalKey(AltText)
})

/** Decodes `input` with `schema`; the error is the schema's message. `strict` refuses unknown keys. */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, strict = false) => {
  const run = Schema.decodeUnknownResult(schema, strict ? { onExcessProperty: "error" } : undefined)
  return (input: unknown): Result.Result<S["Type"], string> => Result.mapError(run(input), (error) => error.message)
}

/** Strict base64 (standard alphabet, optional padding); the decoded bytes, or `undefined` when not base64. */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  const compact = text.replace(/[\r\n]/g, "")
  if (compact.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined
  return Buffer.from(compact, "base64")
}
