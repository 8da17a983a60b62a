/**
 * The JSON X sends, per dialect, as Schemas. Only what the client needs is declared: unknown keys are
 * ignored, and the numeric v1.1 `media_id` is never read (JSON.parse rounds it; see MediaId).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { MediaId } from "../MediaId.ts"
import type { MediaReport } from "../MediaStatus.ts"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

const ProcessingInfo = Schema.Struct({
  state: Schema.String,
  check_after_secs: Schema.optionalKey(Schema.NullOr(NonNegative)),
  progress_percent: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  error: Schema.optionalKey(Schema.NullOr(Schema.Struct({
    code: Schema.optionalKey(Schema.Int),
    name: Schema.optionalKey(Schema.String),
    message: Schema.optionalKey(Schema.String)
  })))
})

const MediaFields = {
  media_key: Schema.optionalKey(Schema.String),
  size: Schema.optionalKey(Schema.Int),
  expires_after_secs: Schema.optionalKey(NonNegative),
  image: Schema.optionalKey(Schema.Struct({
    image_type: Schema.optionalKey(Schema.String),
    w: Schema.optionalKey(Schema.Int),
    h: Schema.optionalKey(Schema.Int)
  })),
  video: Schema.optionalKey(Schema.Struct({ video_type: Schema.optionalKey(Schema.String) })),
  processing_info: Schema.optionalKey(Schema.NullOr(ProcessingInfo))
}

/** v1.1 FINALIZE and STATUS answers. */
export const V1Media = Schema.Struct({ media_id_string: MediaId, ...MediaFields })

/** v2 finalize and STATUS answers (`{"data":{…}}`). */
export const V2Media = Schema.Struct({ data: Schema.Struct({ id: MediaId, ...MediaFields }) })

/** v1.1 INIT answer. */
export const V1Init = Schema.Struct({
  media_id_string: MediaId,
  media_key: Schema.optionalKey(Schema.String),
  expires_after_secs: Schema.optionalKey(NonNegative)
})

/** v2 initialize answer. */
export const V2Init = Schema.Struct({
  data: Schema.Struct({
    id: MediaId,
    media_key: Schema.optionalKey(Schema.String),
    expires_after_secs: Schema.optionalKey(NonNegative)
  })
})

type MediaFieldsType = Schema.Struct<typeof MediaFields>["Type"]

/** The facts of a media answer, the same for both dialects. */
export const reportFromWire = (mediaId: MediaId, wire: MediaFieldsType): MediaReport => {
  const p = wire.processing_info
  return {
    mediaId,
    mediaKey: wire.media_key,
    size: wire.size,
    expiresAfterSecs: wire.expires_after_secs,
    mediaType: wire.video?.video_type ?? wire.image?.image_type,
    width: wire.image?.w,
    height: wire.image?.h,
    processing: p == null ? undefined : {
      state: p.state,
      checkAfterSecs: p.check_after_secs ?? undefined,
      progressPercent: p.progress_percent ?? undefined,
      error: p.error ?? undefined
    }
  }
}
