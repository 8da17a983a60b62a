/**
 * The bodies X answers with, in each of its shapes: v1.1 `{"errors":[{code,message}]}`, the single-string
 * `{"error":"…"}`, v2 Problem JSON, the legacy `{code,message}` some v2 media endpoints sent, and success
 * bodies where the numeric v1.1 `media_id` is written as raw digits so `JSON.parse` rounds it.
 *
 * @module
 */
import { Data, Effect } from "effect"
import type { Dialect } from "./Options.ts"

/** An answer before it becomes an HTTP response: status, body text, content type and extra headers. */
export interface Reply {
  readonly status: number
  /** The body text; empty for no body. */
  readonly body: string
  readonly contentType: string
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A request refused with an X error answer. `reason`, when given, is what the request record keeps as the
 * error (otherwise the message in the answer's body is kept).
 */
export class Rejection extends Data.TaggedError("Rejection")<{
  readonly reply: Reply
  readonly reason: string | undefined
}> {}

/** Fails with a `Rejection` answering `reply`. */
export const reject = (reply: Reply, reason?: string): Effect.Effect<never, Rejection> =>
  Effect.fail(new Rejection({ reply, reason }))

const jsonType = "application/json; charset=utf-8"
const problemType = "application/problem+json"

/** A JSON reply. */
export const json = (status: number, value: unknown, headers?: Readonly<Record<string, string>>): Reply =>
  headers === undefined
    ? { status, body: JSON.stringify(value), contentType: jsonType }
    : { status, body: JSON.stringify(value), contentType: jsonType, headers }

/** A reply with no body (v1.1 APPEND answers 204). */
export const empty = (status: number): Reply => ({ status, body: "", contentType: jsonType })

/** A reply whose JSON text is already built (raw numeric ids). */
export const rawJson = (status: number, body: string): Reply => ({ status, body, contentType: jsonType })

/** Any body with any content type (fault injection). */
export const text = (status: number, body: string, contentType: string): Reply => ({ status, body, contentType })

/**
 * A v1.1 success body with `media_id` as a JSON number written from the digits (`{"media_id":7105…753,…}`),
 * followed by `media_id_string` and the rest of `fields`.
 */
export const v1MediaJson = (status: number, id: string, fields: Readonly<Record<string, unknown>>): Reply => {
  const rest = JSON.stringify({ media_id_string: id, ...fields })
  return rawJson(status, `{"media_id":${id},${rest.slice(1)}`)
}

/** `{"errors":[{"code":…,"message":…}]}`, X's v1.1 envelope (also used by v2 for 429). */
export const codeErrors = (status: number, code: number, message: string): Reply =>
  json(status, { errors: [{ code, message }] })

/** `{"error":"…"}`, the single-string shape some media errors use. */
export const stringError = (status: number, message: string): Reply => json(status, { error: message })

/** The problem `type` URIs X's v2 sends (`api.twitter.com` host, as live answers in 2025 used). */
export const problemUri = (suffix: string): string => `https://api.twitter.com/2/problems/${suffix}`

/**
 * A v2 "Invalid Request" problem: `{"errors":[{"message":…}],"title":"Invalid Request","detail":…,"type":…}`.
 * A `code` is added to the error entry when X has one for the condition (for example 324).
 */
export const invalidRequest = (message: string, code?: number, status = 400): Reply =>
  json(status, {
    errors: [code === undefined ? { message } : { code, message }],
    title: "Invalid Request",
    detail: "One or more parameters to your request was invalid.",
    type: problemUri("invalid-request")
  })

/**
 * A v2 "Invalid Request" problem naming the parameter and the values it refers to, as X answers
 * `POST /2/tweets`: `{"errors":[{"parameters":{"media.media_ids":["…"]},"message":"Your media IDs are invalid."}],…}`.
 */
export const invalidParameter = (parameter: string, values: ReadonlyArray<string>, message: string): Reply =>
  json(400, {
    errors: [{ parameters: { [parameter]: values }, message }],
    title: "Invalid Request",
    detail: "One or more parameters to your request was invalid.",
    type: problemUri("invalid-request")
  })

/** X's message for media ids a post cannot use (unknown, another user's, expired, not processed yet). */
export const invalidMediaIdsMessage = "Your media IDs are invalid."

/** A generic v2 problem (`application/problem+json`). */
export const problem = (
  status: number,
  title: string,
  detail: string,
  type = "about:blank",
  extra?: Readonly<Record<string, unknown>>
): Reply => ({ status, body: JSON.stringify({ title, type, status, detail, ...extra }), contentType: problemType })

/** `<param> parameter is missing.` (code 38): v1.1 envelope, or the legacy `{code,message}` v2 media endpoints sent. */
export const missingParam = (dialect: Dialect, param: string): Reply =>
  dialect === "v1"
    ? codeErrors(400, 38, `${param} parameter is missing.`)
    : json(400, { code: 38, message: `${param} parameter is missing.` })

/** A parameter with a bad value: v1.1 envelope with code 324 (media validation), or a v2 invalid-request problem. */
export const badParam = (dialect: Dialect, message: string): Reply =>
  dialect === "v1" ? codeErrors(400, 324, message) : invalidRequest(message)

/** `Invalid media id <id>` (code 324) for an id the emulator never issued. */
export const unknownMedia = (dialect: Dialect, id: string): Reply =>
  dialect === "v1" ? codeErrors(400, 324, `Invalid media id ${id}`) : invalidRequest(`Invalid media id ${id}`, 324)

/** A media id past its `expires_after_secs` (400, code 324; X's exact text for this is not documented). */
export const expiredMedia = (dialect: Dialect, id: string): Reply =>
  dialect === "v1"
    ? codeErrors(400, 324, `Expired media id ${id}: the media id has expired`)
    : invalidRequest(`Expired media id ${id}: the media id has expired`, 324)

/** The 400 an image (or unprocessed file) gets at FINALIZE when its bytes are not its claimed type. */
export const invalidMedia = (dialect: Dialect, message: string): Reply =>
  dialect === "v1"
    ? json(400, { errors: [{ code: 324, message: `InvalidMedia: ${message}` }] })
    : invalidRequest(`InvalidMedia: ${message}`, 324)

/** A chunk over the limit: 413 with X's envelope. */
export const chunkTooLarge = (dialect: Dialect, limit: number): Reply =>
  dialect === "v1"
    ? codeErrors(413, 324, `Segment size must be <= ${limit} bytes.`)
    : invalidRequest(`Segment size must be <= ${limit} bytes.`, 324, 413)

/** STATUS before FINALIZE (404). */
export const notFinalized = (dialect: Dialect, id: string): Reply =>
  dialect === "v1"
    ? codeErrors(404, 34, "Sorry, that page does not exist.")
    : problem(
      404,
      "Not Found Error",
      `Could not find media with id: [${id}] in a finalized state.`,
      problemUri("resource-not-found")
    )

/** 429 with X's code 88. */
export const rateLimitExceeded = (): Reply => codeErrors(429, 88, "Rate limit exceeded")

/** An unknown path. */
export const routeNotFound = (v2: boolean): Reply =>
  v2
    ? problem(404, "Not Found Error", "The requested resource could not be found.", problemUri("resource-not-found"))
    : codeErrors(404, 34, "Sorry, that page does not exist.")

/** A 5xx body: the v1.1 envelope with code 131, or a v2 problem. */
export const serverError = (dialect: Dialect | undefined, status: number): Reply => {
  const title = status === 503 ? "Service Unavailable" : status === 502 ? "Bad Gateway" : "Internal Server Error"
  return dialect === "v2"
    ? problem(status, title, title, problemUri("internal-error"))
    : codeErrors(status, 131, "Internal error")
}
