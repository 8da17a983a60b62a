/**
 * An upload session as a value that can be saved and read back, so an interrupted upload can be
 * resumed (in the same process or after a restart) by sending only the missing segments.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Dialect } from "./Dialect.ts"
import { sha256Hex } from "./internal/Sha256.ts"
import { MediaCategory } from "./MediaCategory.ts"
import { MediaId } from "./MediaId.ts"
import { MediaType } from "./MediaType.ts"
import type { SegmentRun } from "./SegmentPlan.ts"

const SegmentRunSchema = Schema.Struct({
  from: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  chunkSize: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
})

/**
 * What is needed to resume: the media id and dialect, the file's size and type, the segment sizes,
 * which segments X already has, and until when the session can be finished (`expiresAt`).
 *
 * Version 2 records the segment sizes as runs (`segmentRuns`), since an upload over a slow link
 * cuts the segments it has not sent yet smaller; version 1 (one `chunkSize` for every segment) is
 * still read.
 *
 * @since 0.2.0
 * @category models
 */
export class UploadSession extends Schema.Class<UploadSession>("UploadSession")({
  /** The format of this value; a later format is refused rather than misread. */
  version: Schema.Literals([1, 2]),
  mediaId: MediaId,
  mediaKey: Schema.optionalKey(Schema.String),
  dialect: Dialect,
  /** The base URL the session was opened on (sessions belong to one server). */
  baseUrl: Schema.String,
  source: Schema.String,
  /**
   * SHA-256 (hex) of the source's first bytes (up to MediaType.sniffLength): with the size, it
   * tells a resume that it was given the same file, not another one of the same size.
   */
  fingerprint: Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/)),
  totalBytes: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  mediaType: MediaType,
  category: MediaCategory,
  /** The size of the first segments (of every segment in version 1). */
  chunkSize: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  /** Version 2: from segment `from` on, segments are `chunkSize` bytes; the first run is from 0. */
  segmentRuns: Schema.optionalKey(Schema.Array(SegmentRunSchema)),
  segmentCount: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  /** Segment indexes X has acknowledged, ascending. */
  segmentsDone: Schema.Array(Schema.Int),
  expiresAt: Schema.DateFromString,
  /** True once FINALIZE was answered: resuming then only waits for processing. */
  finalized: Schema.Boolean
}) {
  /** The segment sizes as runs (one run of `chunkSize` for a version 1 session). */
  get runs(): ReadonlyArray<SegmentRun> {
    return this.segmentRuns ?? [{ from: 0, chunkSize: this.chunkSize }]
  }

  /** The segments still to send, ascending. */
  get missingSegments(): ReadonlyArray<number> {
    const done = new Set(this.segmentsDone)
    const missing: Array<number> = []
    for (let i = 0; i < this.segmentCount; i++) if (!done.has(i)) missing.push(i)
    return missing
  }
}

/**
 * The session as JSON text and back (for `--session FILE`). Decoding untrusted text fails with a SchemaError.
 *
 * @since 0.2.0
 * @category schemas
 */
export const UploadSessionJson = Schema.fromJsonString(UploadSession)

/**
 * Encodes a session to JSON text.
 *
 * @since 0.2.0
 * @category encoding
 */
export const encodeSession = Schema.encodeSync(UploadSessionJson)

/**
 * Decodes a session from JSON text (Effect, failing with SchemaError for anything malformed).
 *
 * @since 0.2.0
 * @category encoding
 */
export const decodeSession = Schema.decodeUnknownEffect(UploadSessionJson)

/**
 * The SHA-256 (hex) of a source's first bytes, as kept in `UploadSession.fingerprint`. Uses the
 * `Digest` in the context when there is one (on Node, `NodeCrypto.layerDigest`), else Web Crypto.
 *
 * @since 0.2.0
 * @category getters
 */
export const fingerprintOf = (head: Uint8Array): Effect.Effect<string> => sha256Hex(head)
