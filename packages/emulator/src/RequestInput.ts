/**
 * Reads what a request carries, whatever its body: query parameters, `application/x-www-form-urlencoded`
 * parameters (the only body parameters OAuth 1.0a signs), multipart text fields, JSON or text bodies, and
 * the binary `media` part. The `media` part is streamed straight into a file in the spill directory
 * (through `Multipart.makeChannel` over the request's byte stream), counted as it goes, and cut off past
 * the largest allowed chunk, so no more than one network chunk of it is ever in memory. Every body is pulled
 * through the shared uplink (`Throttle`), which may make it wait.
 *
 * @module
 */
import { Data, Effect, Option, Stream } from "effect"
import * as ByteSize from "effect/ByteSize"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as Multipart from "effect/http/Multipart"
import { type Param, parseParamString } from "./OAuth1.ts"
import type { Store } from "./Store.ts"
import type { Link } from "./Throttle.ts"

/** How the body was sent, from its `Content-Type`. */
export type BodyKind = "none" | "urlencoded" | "multipart" | "json" | "text" | "other"

/** A binary `media` part written to the spill directory. */
export interface SpilledPart {
  readonly path: string
  readonly size: number
}

/** Why the body could not be read as sent. */
export type BodyProblem =
  | { readonly _tag: "ChunkTooLarge"; readonly limit: number }
  | { readonly _tag: "MalformedMultipart"; readonly detail: string }
  | { readonly _tag: "MalformedParams" }
  | { readonly _tag: "ReadFailed"; readonly detail: string }

/** Everything a handler may need from the request. */
export interface RequestInput {
  readonly method: string
  /** Path as sent, without the query. */
  readonly path: string
  readonly query: ReadonlyArray<Param>
  readonly bodyKind: BodyKind
  /** The `Content-Type` header as sent. */
  readonly contentType: string | undefined
  /** Parameters of an urlencoded body. */
  readonly form: ReadonlyArray<Param>
  /** Text fields of a multipart body. */
  readonly fields: ReadonlyArray<Param>
  /** The binary `media` part of a multipart body. */
  readonly media: SpilledPart | undefined
  /** How many `media` parts the multipart body had. */
  readonly mediaParts: number
  /** The body text, for JSON and text bodies. */
  readonly text: string | undefined
  readonly bodyBytes: number
  readonly problem: BodyProblem | undefined
}

/** The body kind of a `Content-Type` header. */
export const bodyKindOf = (contentType: string | undefined): BodyKind => {
  if (contentType === undefined || contentType.trim() === "") return "none"
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? ""
  if (type === "application/x-www-form-urlencoded") return "urlencoded"
  if (type === "multipart/form-data") return "multipart"
  if (type === "application/json" || type.endsWith("+json")) return "json"
  if (type.startsWith("text/")) return "text"
  return "other"
}

class ChunkTooLarge extends Data.TaggedError("ChunkTooLarge")<{}> {}

/** Options of `readInput`. */
export interface ReadOptions {
  readonly store: Store
  /** The uplink every body crosses (throttled or not). */
  readonly link: Link
  /** The largest `media` part (and decoded `media_data`) accepted. */
  readonly maxChunkBytes: number
}

/** Reads the request. Never fails: a body that cannot be read shows up as `problem`. */
export const readInput = (request: HttpServerRequest, options: ReadOptions): Effect.Effect<RequestInput> =>
  Effect.gen(function*() {
    const url = request.url
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    const rawQuery = q === -1 ? "" : url.slice(q + 1)
    const query = parseParamString(rawQuery)
    const contentType = request.headers["content-type"]
    const bodyKind = bodyKindOf(contentType)
    let bodyBytes = 0
    // Pulled, never buffered ahead: while the link makes a batch wait, the socket is not read.
    const counted = Stream.mapArrayEffect(request.stream, (chunks) => {
      let batch = 0
      for (const chunk of chunks) batch += chunk.length
      bodyBytes += batch
      return Effect.as(options.link.carry(batch), chunks)
    })
    const base = {
      method: request.method,
      path,
      query: query ?? [],
      bodyKind,
      contentType,
      form: [] as ReadonlyArray<Param>,
      fields: [] as ReadonlyArray<Param>,
      media: undefined,
      mediaParts: 0,
      text: undefined,
      problem: query === undefined ? ({ _tag: "MalformedParams" } as const) : undefined
    }
    const readText = Stream.mkString(Stream.decodeText(counted))

    switch (bodyKind) {
      case "urlencoded": {
        const text = yield* Effect.result(readText)
        if (text._tag === "Failure") {
          return { ...base, bodyBytes, problem: { _tag: "ReadFailed", detail: String(text.failure) } as const }
        }
        const form = parseParamString(text.success)
        return form === undefined
          ? { ...base, bodyBytes, problem: { _tag: "MalformedParams" } as const }
          : { ...base, form, bodyBytes }
      }
      case "json":
      case "text": {
        const text = yield* Effect.result(readText)
        return text._tag === "Failure"
          ? { ...base, bodyBytes, problem: { _tag: "ReadFailed", detail: String(text.failure) } as const }
          : { ...base, text: text.success, bodyBytes }
      }
      case "multipart":
        return yield* readMultipart(request, counted, options).pipe(
          Effect.map((parts) => ({ ...base, ...parts, bodyBytes, problem: parts.problem ?? base.problem }))
        )
      case "none":
      case "other": {
        const drained = yield* Effect.result(Stream.runDrain(counted))
        return drained._tag === "Failure"
          ? { ...base, bodyBytes, problem: { _tag: "ReadFailed", detail: String(drained.failure) } as const }
          : { ...base, bodyBytes }
      }
    }
  })

const readMultipart = <E>(
  request: HttpServerRequest,
  body: Stream.Stream<Uint8Array, E>,
  options: ReadOptions
): Effect.Effect<{
  readonly fields: ReadonlyArray<Param>
  readonly media: SpilledPart | undefined
  readonly mediaParts: number
  readonly problem: BodyProblem | undefined
}> =>
  Effect.gen(function*() {
    const { store, maxChunkBytes } = options
    const fs = store.fileSystem
    const fields: Array<Param> = []
    let media: SpilledPart | undefined
    let mediaParts = 0
    const spilled: Array<string> = []

    const receiveMedia = (content: Stream.Stream<Uint8Array, Multipart.MultipartError>) =>
      Effect.gen(function*() {
        const path = store.incomingPath()
        spilled.push(path)
        let size = 0
        yield* content.pipe(
          Stream.mapArrayEffect((chunks) => {
            for (const chunk of chunks) size += chunk.length
            return size > maxChunkBytes ? Effect.fail(new ChunkTooLarge()) : Effect.succeed(chunks)
          }),
          Stream.run(fs.sink(path))
        )
        mediaParts += 1
        media = { path, size }
      })

    const parts = Stream.pipeThroughChannel(body, Multipart.makeChannel<E>(request.headers))
    const outcome = yield* Effect.result(
      Stream.runForEach(parts, (part) => {
        if (part._tag === "Field") {
          if (part.key === "media") {
            // A `media` part sent without a filename and not as application/octet-stream reaches us as text.
            const bytes = new TextEncoder().encode(part.value)
            return receiveMedia(Stream.make(bytes))
          }
          fields.push([part.key, part.value])
          return Effect.void
        }
        if (part.key === "media") return receiveMedia(part.content)
        return Stream.runDrain(part.content)
      }).pipe(
        Effect.provideService(
          Multipart.MaxFieldSize,
          ByteSize.bytes(Math.max(10 * 1024 * 1024, Math.ceil((maxChunkBytes * 4) / 3) + 4096))
        )
      )
    )
    // Only the last `media` part is kept; earlier ones (and a cut-off one) are deleted.
    const keep = outcome._tag === "Success"
      ? Option.fromNullishOr(media).pipe(Option.map((m) => m.path))
      : Option.none()
    for (const path of spilled) {
      if (Option.isNone(keep) || keep.value !== path) yield* store.discard(path)
    }
    if (outcome._tag === "Success") return { fields, media, mediaParts, problem: undefined }
    const failure = outcome.failure
    const problem: BodyProblem = failure instanceof ChunkTooLarge
      ? { _tag: "ChunkTooLarge", limit: maxChunkBytes }
      : Multipart.isMultipartError(failure) && failure.reason._tag === "FieldTooLarge"
      ? { _tag: "ChunkTooLarge", limit: maxChunkBytes }
      : Multipart.isMultipartError(failure)
      ? { _tag: "MalformedMultipart", detail: failure.message }
      : { _tag: "ReadFailed", detail: String(failure) }
    return { fields, media: undefined, mediaParts, problem }
  })

/** The first value of `key` in `params`. */
export const param = (params: ReadonlyArray<Param>, key: string): string | undefined =>
  params.find(([k]) => k === key)?.[1]

/** Decodes JSON text; `undefined` when it is not valid JSON. */
export const parseJson = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}
