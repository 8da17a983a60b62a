/**
 * The request shapes of each dialect, and how their answers decode. Everything dialect-specific
 * lives here, so the client and the upload orchestrator are written once for both.
 *
 * @module
 */
import { Effect, Schema } from "effect"
import { HttpClientRequest } from "effect/http"
import type { Dialect } from "./Dialect.ts"
import type { UploadStep } from "./Errors.ts"
import type { MediaId } from "./MediaId.ts"
import type { MediaReport } from "./MediaStatus.ts"
import * as Wire from "./Wire.ts"

/** Parameters of INIT. */
export interface InitParams {
  readonly totalBytes: number
  readonly mediaType: string
  readonly mediaCategory?: string | undefined
  /** User ids (digits) allowed to use the media besides the uploader (at most 100). */
  readonly additionalOwners?: ReadonlyArray<string> | undefined
  /** DM media only: lets the id be reused in several DMs. */
  readonly shared?: boolean | undefined
}

/** What INIT returns. */
export interface InitReport {
  readonly mediaId: MediaId
  readonly mediaKey?: string | undefined
  readonly expiresAfterSecs?: number | undefined
}

/** The requests and decoders of one dialect. URLs are relative to the base URL. */
export interface Protocol {
  readonly dialect: Dialect
  readonly init: (params: InitParams) => HttpClientRequest.HttpClientRequest
  readonly append: (mediaId: MediaId, segmentIndex: number, bytes: Uint8Array) => HttpClientRequest.HttpClientRequest
  readonly finalize: (mediaId: MediaId) => HttpClientRequest.HttpClientRequest
  readonly status: (mediaId: MediaId) => HttpClientRequest.HttpClientRequest
  readonly metadata: (mediaId: MediaId, altText: string) => HttpClientRequest.HttpClientRequest
  /** Decodes an INIT answer; fails with a readable description of what is wrong. */
  readonly decodeInit: (json: unknown) => Effect.Effect<InitReport, string>
  /** Decodes a FINALIZE or STATUS answer; fails with a readable description of what is wrong. */
  readonly decodeMedia: (json: unknown) => Effect.Effect<MediaReport, string>
  /** A short name of the endpoint for errors, e.g. `POST /2/media/upload/{id}/append`. */
  readonly endpoint: (step: UploadStep) => string
}

const describeIssue = (error: Schema.SchemaError) => error.message

const decodeWith = <S extends Schema.Decoder<unknown>, A>(schema: S, f: (decoded: S["Type"]) => A) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (json: unknown): Effect.Effect<A, string> =>
    decode(json).pipe(Effect.mapBoth({ onFailure: describeIssue, onSuccess: f }))
}

/** A Blob over the segment's bytes (Blob copies once; a view over a plain ArrayBuffer avoids a second copy). */
const segmentPart = (bytes: Uint8Array): Blob =>
  new Blob([
    bytes.buffer instanceof ArrayBuffer
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes)
  ])

const v1Path = "/1.1/media/upload.json"

/** v1.1: one URL with `command=…`, urlencoded INIT and FINALIZE, multipart APPEND, JSON metadata. */
export const v1: Protocol = {
  dialect: "v1",
  init: (p) =>
    HttpClientRequest.post(v1Path).pipe(
      HttpClientRequest.bodyUrlParams({
        command: "INIT",
        total_bytes: String(p.totalBytes),
        media_type: p.mediaType,
        ...(p.mediaCategory === undefined ? {} : { media_category: p.mediaCategory }),
        ...(p.additionalOwners === undefined || p.additionalOwners.length === 0
          ? {}
          : { additional_owners: p.additionalOwners.join(",") }),
        ...(p.shared === undefined ? {} : { shared: String(p.shared) })
      })
    ),
  append: (mediaId, segmentIndex, bytes) => {
    const form = new FormData()
    form.append("command", "APPEND")
    form.append("media_id", mediaId)
    form.append("segment_index", String(segmentIndex))
    form.append("media", segmentPart(bytes), "blob")
    return HttpClientRequest.post(v1Path).pipe(HttpClientRequest.bodyFormData(form))
  },
  finalize: (mediaId) =>
    HttpClientRequest.post(v1Path).pipe(HttpClientRequest.bodyUrlParams({ command: "FINALIZE", media_id: mediaId })),
  status: (mediaId) => HttpClientRequest.get(v1Path, { urlParams: { command: "STATUS", media_id: mediaId } }),
  metadata: (mediaId, altText) =>
    HttpClientRequest.post("/1.1/media/metadata/create.json").pipe(
      HttpClientRequest.bodyJsonUnsafe({ media_id: mediaId, alt_text: { text: altText } })
    ),
  decodeInit: decodeWith(Wire.V1Init, (w) => ({
    mediaId: w.media_id_string,
    mediaKey: w.media_key,
    expiresAfterSecs: w.expires_after_secs
  })),
  decodeMedia: decodeWith(Wire.V1Media, (w) => Wire.reportFromWire(w.media_id_string, w)),
  endpoint: (step) =>
    step === "METADATA"
      ? "POST /1.1/media/metadata/create.json"
      : `${step === "STATUS" ? "GET" : "POST"} ${v1Path} (command=${step})`
}

/** v2: the dedicated endpoints, JSON initialize and metadata, multipart append. */
export const v2: Protocol = {
  dialect: "v2",
  init: (p) =>
    HttpClientRequest.post("/2/media/upload/initialize").pipe(
      HttpClientRequest.bodyJsonUnsafe({
        media_type: p.mediaType,
        total_bytes: p.totalBytes,
        ...(p.mediaCategory === undefined ? {} : { media_category: p.mediaCategory }),
        ...(p.additionalOwners === undefined || p.additionalOwners.length === 0
          ? {}
          : { additional_owners: p.additionalOwners }),
        ...(p.shared === undefined ? {} : { shared: p.shared })
      })
    ),
  append: (mediaId, segmentIndex, bytes) => {
    const form = new FormData()
    form.append("segment_index", String(segmentIndex))
    form.append("media", segmentPart(bytes), "blob")
    return HttpClientRequest.post(`/2/media/upload/${mediaId}/append`).pipe(HttpClientRequest.bodyFormData(form))
  },
  finalize: (mediaId) => HttpClientRequest.post(`/2/media/upload/${mediaId}/finalize`),
  status: (mediaId) => HttpClientRequest.get("/2/media/upload", { urlParams: { command: "STATUS", media_id: mediaId } }),
  metadata: (mediaId, altText) =>
    HttpClientRequest.post("/2/media/metadata").pipe(
      HttpClientRequest.bodyJsonUnsafe({ id: mediaId, metadata: { alt_text: { text: altText } } })
    ),
  decodeInit: decodeWith(Wire.V2Init, (w) => ({
    mediaId: w.data.id,
    mediaKey: w.data.media_key,
    expiresAfterSecs: w.data.expires_after_secs
  })),
  decodeMedia: decodeWith(Wire.V2Media, (w) => Wire.reportFromWire(w.data.id, w.data)),
  endpoint: (step) => {
    switch (step) {
      case "INIT":
        return "POST /2/media/upload/initialize"
      case "APPEND":
        return "POST /2/media/upload/{id}/append"
      case "FINALIZE":
        return "POST /2/media/upload/{id}/finalize"
      case "STATUS":
        return "GET /2/media/upload?command=STATUS"
      case "METADATA":
        return "POST /2/media/metadata"
    }
  }
}

/** The protocol of a dialect. */
export const forDialect = (dialect: Dialect): Protocol => (dialect === "v1" ? v1 : v2)
