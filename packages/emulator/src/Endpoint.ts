/**
 * The steps every emulated endpoint shares, in order: read the request (through the shared uplink, spilling
 * a `media` part to disk), work out the step, media id and segment, authenticate the user, count the request
 * against that user's rate limit, apply a matching fault, run the endpoint's own handler, and answer with
 * the rate-limit headers — recording each of these in the request's record.
 *
 * @module
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Effect, Result, type Schema } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { authenticate, type AuthOutcome } from "./Auth.ts"
import type { EmulatorState } from "./EmulatorState.ts"
import type { Fault } from "./Faults.ts"
import type { Dialect, EmulatorUser, Step } from "./Options.ts"
import { rateLimitHeaders, type RateLimitState } from "./RateLimits.ts"
import { CurrentRequest, type RequestEntry } from "./Recorder.ts"
import * as Replies from "./Replies.ts"
import { parseJson, readInput, type RequestInput } from "./RequestInput.ts"
import { decode } from "./WireSchemas.ts"

/** The rate-limit key of requests no user authenticated (their headers only; they are never counted). */
const anonymous = ""

/** What a request is about, read before authentication: the step, and the media and segment it names. */
export interface Target {
  readonly step: Step | undefined
  readonly mediaId: string | undefined
  readonly segmentIndex: number | undefined
  /** The answer when the step cannot be worked out (v1.1 without a valid `command`). */
  readonly invalid?: Replies.Reply
}

/** What a handler gets once the shared steps let the request through. */
export interface HandlerContext {
  readonly state: EmulatorState
  /** The user the request acts for. */
  readonly user: EmulatorUser
  readonly dialect: Dialect
  readonly step: Step
  readonly input: RequestInput
  readonly target: Target
  readonly pathParams: Readonly<Record<string, string | undefined>>
  readonly entry: RequestEntry
}

/** One emulated endpoint: its dialect, how to read its target, and its handler. */
export interface EndpointSpec {
  readonly dialect: Dialect
  /** The OAuth 2.0 scope the endpoint requires. Default `media.write`. */
  readonly scope?: string
  readonly target: (input: RequestInput, pathParams: Readonly<Record<string, string | undefined>>) => Target
  readonly handle: (context: HandlerContext) => Effect.Effect<Replies.Reply, Replies.Rejection>
}

const toResponse = (
  entry: RequestEntry,
  reply: Replies.Reply,
  rate: RateLimitState
): HttpServerResponse.HttpServerResponse => {
  const headers = { ...rateLimitHeaders(rate), ...reply.headers }
  entry.responseHeaders = headers
  return reply.body === ""
    ? HttpServerResponse.empty({ status: reply.status, headers })
    : HttpServerResponse.text(reply.body, { status: reply.status, contentType: reply.contentType, headers })
}

const faultReply = (state: EmulatorState, fault: Fault, dialect: Dialect, step: Step): {
  readonly reply: Replies.Reply
  readonly rate?: RateLimitState
} | undefined => {
  switch (fault._tag) {
    case "HttpError":
      return {
        reply: fault.body === undefined
          ? Replies.serverError(dialect, fault.status)
          : Replies.text(fault.status, fault.body, fault.contentType ?? "application/json; charset=utf-8")
      }
    case "RateLimited":
      return {
        reply: Replies.rateLimitExceeded(),
        rate: {
          limit: state.config.rateLimits.limits[step],
          remaining: 0,
          reset: Math.ceil(state.clock.now() / 1000 + fault.resetAfterSecs)
        }
      }
    case "MalformedBody":
      return { reply: Replies.text(fault.status, fault.body, fault.contentType) }
    case "StringErrors":
      return { reply: Replies.json(fault.status, { errors: fault.messages }) }
    case "RetryAfter": {
      const now = state.clock.now()
      const retryAfter = fault.form === "seconds"
        ? String(fault.seconds)
        : new Date(Math.ceil((now + fault.seconds * 1000) / 1000) * 1000).toUTCString()
      const body = fault.status === 429 ? Replies.rateLimitExceeded() : Replies.serverError(dialect, fault.status)
      const reply = { ...body, status: fault.status, headers: { "retry-after": retryAfter } }
      return fault.resetAfterSecs === undefined ? { reply } : {
        reply,
        rate: {
          limit: state.config.rateLimits.limits[step],
          remaining: 0,
          reset: Math.ceil(now / 1000 + fault.resetAfterSecs)
        }
      }
    }
    default:
      return undefined
  }
}

/** A short description of why an answer is an error, for the request record. */
const reasonOf = (reply: Replies.Reply): string | undefined => {
  if (reply.status < 400) return undefined
  try {
    const body: unknown = JSON.parse(reply.body)
    if (typeof body === "object" && body !== null) {
      if ("errors" in body && Array.isArray(body.errors)) {
        const first: unknown = body.errors[0]
        if (typeof first === "string") return first
        if (typeof first === "object" && first !== null && "message" in first) return String(first.message)
      }
      if ("error" in body) return String(body.error)
      if ("message" in body) return String(body.message)
      if ("detail" in body) return String(body.detail)
    }
  } catch {
    // not JSON
  }
  return `HTTP ${reply.status}`
}

/**
 * Builds the route handler of an endpoint: the shared steps around `spec.handle`. The request's record comes
 * from the recording middleware (`CurrentRequest`).
 */
export const endpoint = (state: EmulatorState, spec: EndpointSpec) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest
    const entry = yield* CurrentRequest
    const pathParams = yield* HttpRouter.params
    entry.dialect = spec.dialect
    const input = yield* readInput(request, {
      store: state.store,
      link: state.link,
      maxChunkBytes: state.config.limits.maxChunkBytes
    })
    entry.bodyBytes = input.bodyBytes
    const target = spec.target(input, pathParams)
    entry.step = target.step
    entry.mediaId = target.mediaId
    entry.segmentIndex = target.segmentIndex

    const auth: AuthOutcome = authenticate(state.config, state.nonces, () => state.clock.clockNow(), {
      dialect: spec.dialect,
      scope: spec.scope ?? "media.write",
      method: request.method,
      scheme: "http",
      host: request.headers.host ?? state.config.host,
      path: input.path,
      queryParams: input.query,
      bodyParams: input.form,
      authorization: request.headers.authorization
    })
    entry.auth = auth.result
    entry.userId = auth.user?.id
    const now = state.clock.now()

    const respond = (reply: Replies.Reply, rate: RateLimitState) =>
      Effect.gen(function*() {
        if (input.media !== undefined) yield* state.store.discard(input.media.path)
        entry.error ??= reasonOf(reply)
        return toResponse(entry, reply, rate)
      })

    if (auth.user === undefined) {
      return yield* respond(auth.refusal, state.limiter.peek(anonymous, target.step ?? "INIT", now))
    }
    const user = auth.user
    const step = target.step
    if (step === undefined) {
      return yield* respond(
        target.invalid ?? Replies.badParam(spec.dialect, "Unknown request"),
        state.limiter.peek(user.id, "INIT", now)
      )
    }
    const taken = state.limiter.take(user.id, step, now)
    if (!taken.allowed) return yield* respond(Replies.rateLimitExceeded(), taken.state)

    const fault = state.faults.match({
      dialect: spec.dialect,
      step,
      mediaId: target.mediaId,
      segmentIndex: target.segmentIndex
    })
    if (fault !== undefined) {
      entry.fault = fault._tag
      if (fault._tag === "DropConnection") {
        if (input.media !== undefined) yield* state.store.discard(input.media.path)
        entry.dropped = true
        NodeHttpServerRequest.toServerResponse(request).destroy()
        return HttpServerResponse.empty({ status: 500 })
      }
      if (fault._tag === "NeverAnswer") {
        if (input.media !== undefined) yield* state.store.discard(input.media.path)
        return yield* Effect.never
      }
      const replaced = faultReply(state, fault, spec.dialect, step)
      if (replaced !== undefined) return yield* respond(replaced.reply, replaced.rate ?? taken.state)
      const session = target.mediaId === undefined ? undefined : state.store.get(target.mediaId)
      switch (fault._tag) {
        case "Delay":
          yield* Effect.sleep(fault.millis)
          break
        case "Expire":
          if (session !== undefined) session.expiresAt = state.clock.now()
          break
        case "ProcessingStuck":
        case "ProcessingFailed":
          if (session !== undefined) session.pendingFault = fault
          break
      }
    }

    const reply = yield* spec.handle({ state, user, dialect: spec.dialect, step, input, target, pathParams, entry })
      .pipe(
        Effect.catchTag("Rejection", (rejection) =>
          Effect.sync(() => {
            entry.error = rejection.reason
            return rejection.reply
          }))
      )
    return yield* respond(reply, taken.state)
  })

/** Refuses a body that could not be read as sent. */
export const checkBody = (context: HandlerContext): Effect.Effect<void, Replies.Rejection> => {
  const problem = context.input.problem
  if (problem === undefined) return Effect.void
  switch (problem._tag) {
    case "ChunkTooLarge":
      return Replies.reject(Replies.chunkTooLarge(context.dialect, problem.limit))
    case "MalformedParams":
      return Replies.reject(Replies.badParam(context.dialect, "Malformed request parameters."))
    case "MalformedMultipart":
      return Replies.reject(Replies.badParam(context.dialect, `Malformed multipart body: ${problem.detail}`))
    case "ReadFailed":
      return Replies.reject(Replies.badParam(context.dialect, "The request body could not be read."))
  }
}

/** X's answer to a body that is not JSON where JSON is required. */
export const notJson = (): Replies.Reply =>
  Replies.invalidRequest("Requests with bodies must have content-type of application/json.")

/** The JSON body of a v2 request that must be JSON, or X's refusal. */
export const jsonBody = (input: RequestInput): Effect.Effect<unknown, Replies.Rejection> => {
  if (input.bodyKind !== "json" || input.text === undefined) return Replies.reject(notJson())
  const parsed = parseJson(input.text)
  return parsed === undefined
    ? Replies.reject(Replies.invalidRequest("Request body is not valid JSON."))
    : Effect.succeed(parsed.value)
}

/**
 * The body of a v2 JSON endpoint, read as sent, parsed and decoded with `schema` (`strict`: unknown keys
 * refused), or X's refusal: an `invalid-request` problem with the schema's message.
 */
export const jsonRequest = <S extends Schema.ConstraintDecoder<unknown>>(
  context: HandlerContext,
  schema: S,
  strict = false
): Effect.Effect<S["Type"], Replies.Rejection> =>
  Effect.gen(function*() {
    yield* checkBody(context)
    const decoded = decode(schema, strict)(yield* jsonBody(context.input))
    return Result.isSuccess(decoded)
      ? decoded.success
      : yield* Replies.reject(Replies.invalidRequest(decoded.failure))
  })

/** The answer for a path no endpoint serves (404 in the shape of the dialect the path looks like). */
export const notFound = (state: EmulatorState) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest
    const entry = yield* CurrentRequest
    const input = yield* readInput(request, {
      store: state.store,
      link: state.link,
      maxChunkBytes: state.config.limits.maxChunkBytes
    })
    entry.bodyBytes = input.bodyBytes
    if (input.media !== undefined) yield* state.store.discard(input.media.path)
    const reply = Replies.routeNotFound(input.path.startsWith("/2/"))
    entry.error = reasonOf(reply)
    return toResponse(entry, reply, state.limiter.peek(anonymous, "INIT", state.clock.now()))
  })
