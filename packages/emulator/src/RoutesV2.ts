/**
 * The v2 media endpoints: `POST /2/media/upload/initialize` (JSON only), `POST /2/media/upload/{id}/append`
 * (multipart `media` + `segment_index`, or JSON `{segment_index, media: base64}`),
 * `POST /2/media/upload/{id}/finalize`, `GET /2/media/upload?command=STATUS&media_id=…`, the one-shot
 * `POST /2/media/upload` (multipart `media` + `media_category`, or JSON with `media` in base64),
 * `POST /2/media/metadata` (alt text, sensitive media warning, found media origin) and
 * `POST`/`DELETE /2/media/subtitles`. Answers are wrapped in `{"data":{…}}` with the id as a string only.
 *
 * @module
 */
import { Effect, Result } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type { EmulatorState } from "./EmulatorState.ts"
import { checkBody, endpoint, type EndpointSpec, type HandlerContext, jsonBody, jsonRequest } from "./Endpoint.ts"
import * as Metadata from "./Metadata.ts"
import * as Replies from "./Replies.ts"
import { param, parseJson, type RequestInput } from "./RequestInput.ts"
import type { Session } from "./Store.ts"
import * as Subtitles from "./Subtitles.ts"
import * as Uploads from "./Uploads.ts"
import {
  AppendJsonBody,
  decode,
  decodeBase64,
  InitializeBody,
  MetadataBody,
  OneShotJsonBody,
  SegmentIndex,
  SubtitlesCreateBody,
  SubtitlesDeleteBody
} from "./WireSchemas.ts"

const reject = Replies.reject

const dataOf = (state: EmulatorState, session: Session) =>
  Replies.json(200, { data: { id: session.id, media_key: session.mediaKey, ...Uploads.mediaFields(state, session) } })

const initialize: EndpointSpec = {
  dialect: "v2",
  target: () => ({ step: "INIT", mediaId: undefined, segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      const body = yield* jsonRequest(context, InitializeBody)
      const session = yield* Uploads.init(context.state, "v2", context.user.id, {
        mediaType: body.media_type,
        totalBytes: body.total_bytes,
        mediaCategory: body.media_category,
        additionalOwners: body.additional_owners ?? []
      })
      return Replies.json(200, {
        data: {
          id: session.id,
          media_key: session.mediaKey,
          expires_after_secs: Uploads.expiresAfterSecs(context.state, session)
        }
      })
    })
}

const appendSegmentOf = (input: RequestInput): number | undefined => {
  if (input.bodyKind === "multipart") {
    const raw = param(input.fields, "segment_index")
    return raw !== undefined && /^[0-9]{1,6}$/.test(raw) ? Number(raw) : undefined
  }
  if (input.bodyKind === "json" && input.text !== undefined) {
    const body = parseJson(input.text)?.value
    if (typeof body === "object" && body !== null && "segment_index" in body) {
      const decoded = decode(SegmentIndex)(body.segment_index)
      return Result.isSuccess(decoded) ? decoded.success : undefined
    }
  }
  return undefined
}

const handleAppend = (context: HandlerContext) =>
  Effect.gen(function*() {
    yield* checkBody(context)
    const { input, state } = context
    const session = yield* Uploads.lookup(state, "v2", context.pathParams.id, context.user.id, "upload", "id")
    if (input.bodyKind === "multipart") {
      const raw = param(input.fields, "segment_index")
      let index: number | undefined
      if (raw !== undefined) {
        const decoded = decode(SegmentIndex)(raw)
        if (Result.isFailure(decoded)) {
          return yield* reject(Replies.invalidRequest(`segment_index must be a whole number, got ${raw}.`))
        }
        index = decoded.success
      }
      const segment = yield* Uploads.checkSegmentIndex(state, "v2", index)
      if (input.media === undefined) return yield* reject(Replies.missingParam("v2", "media"))
      yield* Uploads.append(state, "v2", session, segment, { _tag: "Spilled", part: input.media })
    } else if (input.bodyKind === "json") {
      const raw = yield* jsonBody(input)
      const decoded = decode(AppendJsonBody)(raw)
      if (Result.isFailure(decoded)) return yield* reject(Replies.invalidRequest(decoded.failure))
      const segment = yield* Uploads.checkSegmentIndex(state, "v2", decoded.success.segment_index)
      const media = decoded.success.media
      if (media === undefined) return yield* reject(Replies.missingParam("v2", "media"))
      const bytes = decodeBase64(media)
      if (bytes === undefined) return yield* reject(Replies.invalidRequest("media is not valid base64."))
      yield* Uploads.append(state, "v2", session, segment, { _tag: "Bytes", bytes })
    } else {
      return yield* reject(Replies.missingParam("v2", "media"))
    }
    return Replies.json(200, { data: { expires_at: Math.floor(session.expiresAt / 1000) } })
  })

const append: EndpointSpec = {
  dialect: "v2",
  target: (input, pathParams) => ({ step: "APPEND", mediaId: pathParams.id, segmentIndex: appendSegmentOf(input) }),
  handle: handleAppend
}

const finalize: EndpointSpec = {
  dialect: "v2",
  target: (_, pathParams) => ({ step: "FINALIZE", mediaId: pathParams.id, segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      yield* checkBody(context)
      const session = yield* Uploads.lookup(context.state, "v2", context.pathParams.id, context.user.id, "upload", "id")
      yield* Uploads.finalize(context.state, "v2", session)
      return dataOf(context.state, session)
    })
}

const status: EndpointSpec = {
  dialect: "v2",
  target: (input) => ({ step: "STATUS", mediaId: param(input.query, "media_id"), segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      yield* checkBody(context)
      const command = param(context.input.query, "command")
      if (command !== undefined && command !== "STATUS") {
        return yield* reject(
          Replies.invalidRequest(`The \`command\` query parameter value [${command}] is not one of [STATUS]`)
        )
      }
      const session = yield* Uploads.lookup(
        context.state,
        "v2",
        param(context.input.query, "media_id"),
        context.user.id,
        "use"
      )
      yield* Uploads.status(context.state, "v2", session)
      return dataOf(context.state, session)
    })
}

const oneShot: EndpointSpec = {
  dialect: "v2",
  target: () => ({ step: "UPLOAD", mediaId: undefined, segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      yield* checkBody(context)
      const { input, state } = context
      const created = (mediaId: string) => void (context.entry.mediaId = mediaId)
      if (input.bodyKind === "multipart") {
        if (input.media === undefined) return yield* reject(Replies.missingParam("v2", "media"))
        const session = yield* Uploads.oneShot(
          state,
          "v2",
          context.user.id,
          {
            mediaType: param(input.fields, "media_type"),
            mediaCategory: param(input.fields, "media_category"),
            additionalOwners: Uploads.ownersOf(param(input.fields, "additional_owners"))
          },
          { _tag: "Spilled", part: input.media },
          created
        )
        return dataOf(state, session)
      }
      if (input.bodyKind !== "json") return yield* reject(Replies.missingParam("v2", "media"))
      const decoded = decode(OneShotJsonBody)(yield* jsonBody(input))
      if (Result.isFailure(decoded)) return yield* reject(Replies.invalidRequest(decoded.failure))
      const body = decoded.success
      if (body.media === undefined) return yield* reject(Replies.missingParam("v2", "media"))
      const bytes = decodeBase64(body.media)
      if (bytes === undefined) return yield* reject(Replies.invalidRequest("media is not valid base64."))
      const session = yield* Uploads.oneShot(
        state,
        "v2",
        context.user.id,
        {
          mediaType: body.media_type,
          mediaCategory: body.media_category,
          additionalOwners: Uploads.ownersOf(body.additional_owners)
        },
        { _tag: "Bytes", bytes },
        created
      )
      return dataOf(state, session)
    })
}

/** The media a JSON body names in its `id` field, for the request record and fault rules. */
const bodyMediaId = (input: RequestInput): string | undefined => {
  const body = input.text === undefined ? undefined : parseJson(input.text)?.value
  const id = typeof body === "object" && body !== null && "id" in body ? body.id : undefined
  return typeof id === "string" ? id : undefined
}

const metadata: EndpointSpec = {
  dialect: "v2",
  target: (input) => ({ step: "METADATA", mediaId: bodyMediaId(input), segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      const body = yield* jsonRequest(context, MetadataBody)
      const session = yield* Uploads.lookup(context.state, "v2", body.id, context.user.id, "use", "id")
      const given = body.metadata
      yield* Metadata.apply("v2", session, {
        altText: given?.alt_text?.text,
        sensitiveMediaWarning: given?.sensitive_media_warning,
        foundMediaOrigin: given?.found_media_origin
      })
      return Replies.json(200, { data: { id: session.id, associated_metadata: Metadata.associated(session) } })
    })
}

const subtitlesCreate: EndpointSpec = {
  dialect: "v2",
  target: (input) => ({ step: "SUBTITLES_CREATE", mediaId: bodyMediaId(input), segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      const body = yield* jsonRequest(context, SubtitlesCreateBody)
      const video = yield* Subtitles.attach(context.state, context.user, body)
      return Replies.json(200, {
        data: {
          id: video.id,
          media_category: body.media_category,
          associated_subtitles: Subtitles.associated(video)
        }
      })
    })
}

const subtitlesDelete: EndpointSpec = {
  dialect: "v2",
  target: (input) => ({ step: "SUBTITLES_DELETE", mediaId: bodyMediaId(input), segmentIndex: undefined }),
  handle: (context) =>
    Effect.gen(function*() {
      const body = yield* jsonRequest(context, SubtitlesDeleteBody)
      const deleted = yield* Subtitles.remove(context.state, context.user, body)
      return Replies.json(200, { data: { deleted } })
    })
}

/** The v2 media routes. */
export const v2Routes = (state: EmulatorState) => [
  HttpRouter.route("POST", "/2/media/upload/initialize", endpoint(state, initialize)),
  HttpRouter.route("POST", "/2/media/upload/:id/append", endpoint(state, append)),
  HttpRouter.route("POST", "/2/media/upload/:id/finalize", endpoint(state, finalize)),
  HttpRouter.route("GET", "/2/media/upload", endpoint(state, status)),
  HttpRouter.route("POST", "/2/media/upload", endpoint(state, oneShot)),
  HttpRouter.route("POST", "/2/media/metadata", endpoint(state, metadata)),
  HttpRouter.route("POST", "/2/media/subtitles", endpoint(state, subtitlesCreate)),
  HttpRouter.route("DELETE", "/2/media/subtitles", endpoint(state, subtitlesDelete))
]
