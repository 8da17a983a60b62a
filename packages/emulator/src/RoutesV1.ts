/**
 * The v1.1 dialect: `POST|GET /1.1/media/upload.json` with `command=INIT|APPEND|FINALIZE|STATUS`
 * (case-sensitive; parameters from the query, an urlencoded body or multipart fields), the simple upload
 * (`POST` of the same URL without a `command`, the image as the multipart `media` or `media_data`) and
 * `POST /1.1/media/metadata/create.json` (JSON alt text). Answers carry `media_id` as a JSON number written
 * from the digits (so `JSON.parse` rounds it) next to `media_id_string`.
 *
 * @module
 */
import { Effect, Result } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type { EmulatorState } from "./EmulatorState.ts"
import { checkBody, endpoint, type EndpointSpec, type HandlerContext, type Target } from "./Endpoint.ts"
import * as Metadata from "./Metadata.ts"
import type { Param } from "./OAuth1.ts"
import type { Step } from "./Options.ts"
import * as Replies from "./Replies.ts"
import { param, parseJson, type RequestInput } from "./RequestInput.ts"
import * as Uploads from "./Uploads.ts"
import { decode, decodeBase64, DigitsToNumber, V1MetadataBody } from "./WireSchemas.ts"

const commands: ReadonlyArray<Step> = ["INIT", "APPEND", "FINALIZE", "STATUS"]

/** Query parameters, then urlencoded body parameters, then multipart fields. */
const allParams = (input: RequestInput): ReadonlyArray<Param> => [...input.query, ...input.form, ...input.fields]

const segmentOf = (raw: string | undefined): number | undefined =>
  raw !== undefined && /^[0-9]{1,6}$/.test(raw) ? Number(raw) : undefined

const reject = Replies.reject

const uploadTarget = (input: RequestInput): Target => {
  const params = allParams(input)
  const command = param(params, "command")
  const mediaId = param(params, "media_id")
  const segmentIndex = segmentOf(param(params, "segment_index"))
  if (command === undefined) {
    // Media without a command is the simple upload.
    if (input.media !== undefined || param(input.fields, "media_data") !== undefined) {
      return { step: "UPLOAD", mediaId: undefined, segmentIndex: undefined }
    }
    return { step: undefined, mediaId, segmentIndex, invalid: Replies.missingParam("v1", "command") }
  }
  const step = commands.find((c) => c === command)
  if (step === undefined) {
    return {
      step: undefined,
      mediaId,
      segmentIndex,
      invalid: Replies.badParam(
        "v1",
        `Invalid command ${command}. Commands are case-sensitive: INIT, APPEND, FINALIZE, STATUS.`
      )
    }
  }
  return { step, mediaId, segmentIndex }
}

const handleInit = (context: HandlerContext) =>
  Effect.gen(function*() {
    const params = allParams(context.input)
    const rawTotal = param(params, "total_bytes")
    let totalBytes: number | undefined
    if (rawTotal !== undefined) {
      const decoded = decode(DigitsToNumber)(rawTotal)
      if (Result.isFailure(decoded)) {
        return yield* reject(Replies.badParam("v1", `total_bytes must be a whole number of bytes, got ${rawTotal}.`))
      }
      totalBytes = decoded.success
    }
    const session = yield* Uploads.init(context.state, "v1", context.user.id, {
      mediaType: param(params, "media_type"),
      totalBytes,
      mediaCategory: param(params, "media_category"),
      additionalOwners: Uploads.ownersOf(param(params, "additional_owners"))
    })
    return Replies.v1MediaJson(202, session.id, {
      media_key: session.mediaKey,
      expires_after_secs: Uploads.expiresAfterSecs(context.state, session)
    })
  })

const handleAppend = (context: HandlerContext) =>
  Effect.gen(function*() {
    const { input, state } = context
    const params = allParams(input)
    const session = yield* mediaOf(context, "upload")
    const rawIndex = param(params, "segment_index")
    if (rawIndex !== undefined && segmentOf(rawIndex) === undefined) {
      return yield* reject(Replies.badParam("v1", `Segment index must be a whole number, got ${rawIndex}.`))
    }
    const index = yield* Uploads.checkSegmentIndex(state, "v1", segmentOf(rawIndex))
    if (input.bodyKind !== "multipart") {
      return yield* reject(
        Replies.codeErrors(400, 38, "media parameter is missing. APPEND must be sent as multipart/form-data.")
      )
    }
    const mediaData = param(input.fields, "media_data")
    if (input.media !== undefined && mediaData !== undefined) {
      return yield* reject(Replies.badParam("v1", "Cannot use both media and media_data; send one of them."))
    }
    if (input.media !== undefined) {
      yield* Uploads.append(state, "v1", session, index, { _tag: "Spilled", part: input.media })
    } else if (mediaData !== undefined) {
      const bytes = decodeBase64(mediaData)
      if (bytes === undefined) return yield* reject(Replies.badParam("v1", "media_data is not valid base64."))
      yield* Uploads.append(state, "v1", session, index, { _tag: "Bytes", bytes })
    } else {
      return yield* reject(Replies.missingParam("v1", "media"))
    }
    return Replies.empty(204)
  })

/** The simple upload: the image as `media` (raw) or `media_data` (base64), answered as FINALIZE is. */
const handleSimpleUpload = (context: HandlerContext) =>
  Effect.gen(function*() {
    const { input, state } = context
    const params = allParams(input)
    const mediaData = param(input.fields, "media_data")
    if (input.media !== undefined && mediaData !== undefined) {
      return yield* reject(Replies.badParam("v1", "Cannot use both media and media_data; send one of them."))
    }
    let chunk: Uploads.Chunk
    if (input.media !== undefined) {
      chunk = { _tag: "Spilled", part: input.media }
    } else {
      const bytes = mediaData === undefined ? undefined : decodeBase64(mediaData)
      if (bytes === undefined) return yield* reject(Replies.badParam("v1", "media_data is not valid base64."))
      chunk = { _tag: "Bytes", bytes }
    }
    const session = yield* Uploads.oneShot(
      state,
      "v1",
      context.user.id,
      {
        mediaType: undefined,
        mediaCategory: param(params, "media_category"),
        additionalOwners: Uploads.ownersOf(param(params, "additional_owners"))
      },
      chunk,
      (mediaId) => void (context.entry.mediaId = mediaId)
    )
    return Replies.v1MediaJson(200, session.id, {
      media_key: session.mediaKey,
      ...Uploads.mediaFields(state, session)
    })
  })

/** The media the request's `media_id` names, for the caller to upload to or to use. */
const mediaOf = (context: HandlerContext, access: Uploads.Access) =>
  Uploads.lookup(context.state, "v1", param(allParams(context.input), "media_id"), context.user.id, access)

const handleFinalize = (context: HandlerContext) =>
  Effect.gen(function*() {
    const session = yield* mediaOf(context, "upload")
    yield* Uploads.finalize(context.state, "v1", session)
    return Replies.v1MediaJson(200, session.id, {
      media_key: session.mediaKey,
      ...Uploads.mediaFields(context.state, session)
    })
  })

const handleStatus = (context: HandlerContext) =>
  Effect.gen(function*() {
    const session = yield* mediaOf(context, "use")
    yield* Uploads.status(context.state, "v1", session)
    return Replies.v1MediaJson(200, session.id, {
      media_key: session.mediaKey,
      ...Uploads.mediaFields(context.state, session)
    })
  })

const upload: EndpointSpec = {
  dialect: "v1",
  target: uploadTarget,
  handle: (context) =>
    Effect.flatMap(checkBody(context), () => {
      switch (context.step) {
        case "INIT":
          return handleInit(context)
        case "APPEND":
          return handleAppend(context)
        case "FINALIZE":
          return handleFinalize(context)
        case "STATUS":
          return handleStatus(context)
        case "UPLOAD":
          return handleSimpleUpload(context)
        default:
          return reject(Replies.badParam("v1", "Unknown command."))
      }
    })
}

const metadataBody = (input: RequestInput) => input.text === undefined ? undefined : parseJson(input.text)

const metadata: EndpointSpec = {
  dialect: "v1",
  target: (input) => {
    const body = metadataBody(input)?.value
    const id = typeof body === "object" && body !== null && "media_id" in body ? body.media_id : undefined
    return { step: "METADATA", mediaId: typeof id === "string" ? id : undefined, segmentIndex: undefined }
  },
  handle: (context) =>
    Effect.gen(function*() {
      yield* checkBody(context)
      const { input, state } = context
      if (input.bodyKind !== "json" && input.bodyKind !== "text") {
        return yield* reject(Replies.badParam("v1", "The body must be JSON (application/json or text/plain)."))
      }
      const parsed = metadataBody(input)
      if (parsed === undefined) return yield* reject(Replies.badParam("v1", "The body is not valid JSON."))
      const decoded = decode(V1MetadataBody)(parsed.value)
      if (Result.isFailure(decoded)) return yield* reject(Replies.badParam("v1", decoded.failure))
      const body = decoded.success
      const session = yield* Uploads.lookup(state, "v1", body.media_id, context.user.id, "use")
      if (body.alt_text === undefined) return yield* reject(Replies.missingParam("v1", "alt_text"))
      yield* Metadata.apply("v1", session, { altText: body.alt_text.text })
      return Replies.empty(200)
    })
}

/** The v1.1 routes. */
export const v1Routes = (state: EmulatorState) => [
  HttpRouter.route("POST", "/1.1/media/upload.json", endpoint(state, upload)),
  HttpRouter.route("GET", "/1.1/media/upload.json", endpoint(state, upload)),
  HttpRouter.route("POST", "/1.1/media/metadata/create.json", endpoint(state, metadata))
]
