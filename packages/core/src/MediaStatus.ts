/**
 * Where a media is after FINALIZE or STATUS: `Ready` to post, or still `Processing`.
 * A failed processing is not a status but the typed failure `ProcessingFailed`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ProcessingFailed } from "./Errors.ts"
import { MediaId } from "./MediaId.ts"

/**
 * The media can be attached to a post now.
 *
 * @since 0.2.0
 * @category models
 */
export class Ready extends Schema.TaggedClass<Ready>()("Ready", {
  mediaId: MediaId,
  mediaKey: Schema.optionalKey(Schema.String),
  size: Schema.optionalKey(Schema.Int),
  /** When the media id stops being usable (the Clock at the response plus `expires_after_secs`). */
  expiresAt: Schema.Date,
  /** `image.image_type` or `video.video_type` when X reported it. */
  mediaType: Schema.optionalKey(Schema.String),
  width: Schema.optionalKey(Schema.Int),
  height: Schema.optionalKey(Schema.Int)
}) {}

/**
 * X is still processing the media (`pending`, `in_progress`, or a state X has not documented).
 *
 * @since 0.2.0
 * @category models
 */
export class Processing extends Schema.TaggedClass<Processing>()("Processing", {
  mediaId: MediaId,
  mediaKey: Schema.optionalKey(Schema.String),
  size: Schema.optionalKey(Schema.Int),
  expiresAt: Schema.Date,
  state: Schema.String,
  /** X's hint for when to ask again, in seconds (absent or 0 when X gave none). */
  checkAfterSecs: Schema.optionalKey(Schema.Finite),
  progressPercent: Schema.optionalKey(Schema.Finite)
}) {}

/**
 * Ready | Processing, with `MediaStatus.match` and `MediaStatus.guards`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MediaStatus = Schema.Union([Ready, Processing]).pipe(Schema.toTaggedUnion("_tag"))

/**
 * Ready | Processing.
 *
 * @since 0.2.0
 * @category schemas
 */
export type MediaStatus = Ready | Processing

/**
 * The facts of one FINALIZE or STATUS answer, the same for both dialects.
 *
 * @since 0.2.0
 * @category models
 */
export interface MediaReport {
  readonly mediaId: MediaId
  readonly mediaKey?: string | undefined
  readonly size?: number | undefined
  readonly expiresAfterSecs?: number | undefined
  readonly mediaType?: string | undefined
  readonly width?: number | undefined
  readonly height?: number | undefined
  readonly processing?: {
    readonly state: string
    readonly checkAfterSecs?: number | undefined
    readonly progressPercent?: number | undefined
    readonly error?: {
      readonly code?: number | undefined
      readonly name?: string | undefined
      readonly message?: string | undefined
    } | undefined
  } | undefined
}

/**
 * X's FINALIZE answers give 86400 s when they say; used only when an answer carries no expiry at all.
 *
 * @since 0.2.0
 * @category constants
 */
export const fallbackExpiresAfterSecs = 86_400

/**
 * When a media id expires: the response time plus `expires_after_secs`, else an expiry already
 * known for it, else the response time plus X's usual 86400 s.
 *
 * @since 0.2.0
 * @category getters
 */
export const expiresAtOf = (
  report: Pick<MediaReport, "expiresAfterSecs">,
  receivedAtMillis: number,
  knownExpiresAt?: Date
): Date =>
  report.expiresAfterSecs !== undefined
    ? new Date(receivedAtMillis + report.expiresAfterSecs * 1000)
    : knownExpiresAt ?? new Date(receivedAtMillis + fallbackExpiresAfterSecs * 1000)

const defined = <A extends Record<string, unknown>>(fields: A): { [K in keyof A]: Exclude<A[K], undefined> } => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value
  return out as { [K in keyof A]: Exclude<A[K], undefined> }
}

/**
 * Turns one answer into a status. No `processing_info`, or state `succeeded`: Ready.
 * An `error` inside `processing_info` whatever the state (X leaves some failures at in_progress),
 * or state `failed`: the failure ProcessingFailed. Any other state (pending, in_progress, or one
 * X never documented): Processing.
 *
 * @since 0.2.0
 * @category constructors
 */
export const toMediaStatus = (
  report: MediaReport,
  receivedAtMillis: number,
  knownExpiresAt?: Date
): Effect.Effect<MediaStatus, ProcessingFailed> => {
  const expiresAt = expiresAtOf(report, receivedAtMillis, knownExpiresAt)
  const processing = report.processing
  const common = defined({ mediaId: report.mediaId, mediaKey: report.mediaKey, size: report.size })
  if (processing !== undefined && (processing.error !== undefined || processing.state === "failed")) {
    const error = processing.error
    return Effect.fail(
      new ProcessingFailed(defined({
        mediaId: report.mediaId,
        state: processing.state,
        errorCode: error?.code,
        errorName: error?.name,
        errorMessage: error?.message,
        progressPercent: processing.progressPercent === undefined ? undefined : Math.round(processing.progressPercent)
      }))
    )
  }
  if (processing === undefined || processing.state === "succeeded") {
    return Effect.succeed(
      new Ready({
        ...common,
        expiresAt,
        ...defined({ mediaType: report.mediaType, width: report.width, height: report.height })
      })
    )
  }
  return Effect.succeed(
    new Processing({
      ...common,
      expiresAt,
      state: processing.state,
      ...defined({ checkAfterSecs: processing.checkAfterSecs, progressPercent: processing.progressPercent })
    })
  )
}
