/**
 * The request shapes of each dialect, and how their answers decode. Everything dialect-specific
 * lives here, so the client and the upload orchestrator are written once for both.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Dialect } from "../Dialect.ts"
import type { UploadStep } from "../Errors.ts"
import type { InitParams, OneShotParams } from "../MediaClient.ts"
import type { MediaId } from "../MediaId.ts"
import type { MediaReport } from "../MediaStatus.ts"
import * as Wire from "./Wire.ts"

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
  /** The whole media in one request (v2's one-shot upload, v1.1's simple upload); answered as FINALIZE is. */
  readonly upload: (params: OneShotParams, bytes: Uint8Array) => HttpClientRequest.HttpClientRequest
  readonly status: (mediaId: MediaId) => HttpClientRequest.HttpClientRequest
  readonly metadata: (mediaId: MediaId, altText: string) => HttpClientRequest.HttpClientRequest
  /** Decodes an INIT answer; the SchemaError says what is wrong. */
  readonly decodeInit: (json: unknown) => Effect.Effect<InitReport, Schema.SchemaError>
  /** Decodes a FINALIZE or STATUS answer; the SchemaError says what is wrong. */
  readonly decodeMedia: (json: unknown) => Effect.Effect<MediaReport, Schema.SchemaError>
  /** A short name of the endpoint for errors, e.g. `POST /2/media/upload/{id}/append`. */
  readonly endpoint: (step: UploadStep) => string
}

const decodeWith = <S extends Schema.Decoder<unknown>, A>(schema: S, f: (decoded: S["Type"]) => A) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (json: unknown): Effect.Effect<A, Schema.SchemaError> => Effect.map(decode(json), f)
}

const encoder = new TextEncoder()

/** A multipart boundary that cannot plausibly occur in the data (96 random bits). */
const newBoundary = (): string => {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12))
  let hex = ""
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0")
  return `----x-media-${hex}`
}

/**
 * A multipart/form-data request carrying media (an APPEND's segment, a one-shot upload's whole
 * file): the text `fields`, then the bytes as the `media` file part. The body is streamed as three
 * pieces (head, the bytes themselves, tail) with its exact length, so the bytes are never copied
 * into a Blob or a combined buffer (they may be sent again as they are on a retry). Multipart
 * bodies are not part of the OAuth 1.0a signature; URL parameters of `request` are.
 */
const multipartMedia = (
  request: HttpClientRequest.HttpClientRequest,
  fields: ReadonlyArray<readonly [string, string]>,
  segment: Uint8Array
): HttpClientRequest.HttpClientRequest => {
  const boundary = newBoundary()
  let head = ""
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\n` +
    `Content-Type: application/octet-stream\r\n\r\n`
  const headBytes = encoder.encode(head)
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`)
  return request.pipe(
    HttpClientRequest.bodyStream(Stream.fromIterable([headBytes, segment, tailBytes]), {
      contentType: `multipart/form-data; boundary=${boundary}`,
      contentLength: headBytes.byteLength + segment.byteLength + tailBytes.byteLength
    })
  )
}

/** A one-request upload's parameters as name-value pairs: the category, then who else may use the media. */
const oneShotFields = (p: OneShotParams): ReadonlyArray<readonly [string, string]> => [
  ["media_category", p.mediaCategory],
  ...(p.additionalOwners === undefined || p.additionalOwners.length === 0
    ? []
    : [["additional_owners", p.additionalOwners.join(",")] as const]),
  ...(p.shared === undefined ? [] : [["shared", String(p.shared)] as const])
]

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
  append: (mediaId, segmentIndex, bytes) =>
    multipartMedia(
      HttpClientRequest.post(v1Path),
      [["command", "APPEND"], ["media_id", mediaId], ["segment_index", String(segmentIndex)]],
      bytes
    ),
  finalize: (mediaId) =>
    HttpClientRequest.post(v1Path).pipe(HttpClientRequest.bodyUrlParams({ command: "FINALIZE", media_id: mediaId })),
  // The simple upload: no command; its parameters in the query string (signed), the media as the multipart part.
  upload: (p, bytes) => multipartMedia(HttpClientRequest.post(v1Path, { urlParams: oneShotFields(p) }), [], bytes),
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
      : step === "UPLOAD"
      ? `POST ${v1Path} (simple upload)`
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
  append: (mediaId, segmentIndex, bytes) =>
    multipartMedia(
      HttpClientRequest.post(`/2/media/upload/${mediaId}/append`),
      [["segment_index", String(segmentIndex)]],
      bytes
    ),
  finalize: (mediaId) => HttpClientRequest.post(`/2/media/upload/${mediaId}/finalize`),
  // The one-shot upload: `media_category` is required (X refused one-shot images without it in May 2025).
  upload: (p, bytes) => multipartMedia(HttpClientRequest.post("/2/media/upload"), oneShotFields(p), bytes),
  status: (mediaId) =>
    HttpClientRequest.get("/2/media/upload", { urlParams: { command: "STATUS", media_id: mediaId } }),
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
      case "UPLOAD":
        return "POST /2/media/upload"
      case "METADATA":
        return "POST /2/media/metadata"
      case "SUBTITLES":
        return "POST /2/media/subtitles"
      case "POST":
        return "POST /2/tweets"
    }
  }
}

/** The protocol of a dialect. */
export const forDialect = (dialect: Dialect): Protocol => (dialect === "v1" ? v1 : v2)
