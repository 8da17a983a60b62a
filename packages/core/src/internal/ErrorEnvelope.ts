/**
 * Reads every error body shape X uses (shared/x-media-api.md §3.1) into one form.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ApiErrorDetail } from "../Errors.ts"

/** What an error body said, whatever its envelope. */
export interface ErrorEnvelope {
  /** X's codes and messages, in the order X gave them (may be empty). */
  readonly errors: ReadonlyArray<ApiErrorDetail>
  /** v2 problem `title`. */
  readonly title?: string
  /** v2 problem `detail`. */
  readonly detail?: string
  /** v2 problem `type` URI (compare by suffix: api.twitter.com and api.x.com are both seen). */
  readonly problemType?: string
}

const ErrorObject = Schema.Struct({
  code: Schema.optionalKey(Schema.Unknown),
  message: Schema.optionalKey(Schema.Unknown),
  title: Schema.optionalKey(Schema.Unknown),
  detail: Schema.optionalKey(Schema.Unknown),
  name: Schema.optionalKey(Schema.Unknown)
})

const Body = Schema.Struct({
  errors: Schema.optionalKey(Schema.Unknown),
  error: Schema.optionalKey(Schema.Unknown),
  title: Schema.optionalKey(Schema.Unknown),
  detail: Schema.optionalKey(Schema.Unknown),
  type: Schema.optionalKey(Schema.Unknown),
  code: Schema.optionalKey(Schema.Unknown),
  message: Schema.optionalKey(Schema.Unknown)
})

const decodeBody = Schema.decodeUnknownOption(Body)
const decodeErrorObject = Schema.decodeUnknownOption(ErrorObject)

const asString = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)

const asCode = (u: unknown): number | undefined => {
  if (typeof u === "number" && Number.isSafeInteger(u)) return u
  if (typeof u === "string" && /^\d{1,9}$/.test(u)) return Number(u)
  return undefined
}

const detailOf = (code: unknown, message: string | undefined): ApiErrorDetail | undefined => {
  if (message === undefined) return undefined
  const c = asCode(code)
  return c === undefined ? { message } : { code: c, message }
}

const errorListEntry = (entry: unknown): ApiErrorDetail | undefined => {
  if (typeof entry === "string") return entry.length > 0 ? { message: entry } : undefined
  return Option.match(decodeErrorObject(entry), {
    onNone: () => undefined,
    onSome: (e) => detailOf(e.code, asString(e.message) ?? asString(e.detail) ?? asString(e.title) ?? asString(e.name))
  })
}

/** Shortens a body for inclusion in an error: at most `max` characters, whitespace folded. */
export const excerpt = (text: string, max = 200): string => {
  const folded = text.replace(/\s+/g, " ").trim()
  return folded.length <= max ? folded : `${folded.slice(0, max)}…`
}

/**
 * Parses an error body. Accepts `{"errors":[{code,message}]}`, `{"error":"text"}`, v2 problem JSON
 * (`{title,detail,type,status,errors?}`), errors given as plain strings, the legacy `{code,message}`,
 * and empty or non-JSON bodies (whose excerpt becomes the message). Never fails.
 */
export const parseErrorEnvelope = (text: string): ErrorEnvelope => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    const shown = excerpt(text)
    return { errors: shown.length === 0 ? [] : [{ message: `non-JSON body: ${shown}` }] }
  }
  if (typeof json === "string") return { errors: json.length === 0 ? [] : [{ message: json }] }
  return Option.match(decodeBody(json), {
    onNone: () => ({ errors: [{ message: `unexpected body: ${excerpt(text)}` }] }),
    onSome: (body) => {
      const errors: Array<ApiErrorDetail> = []
      if (Array.isArray(body.errors)) {
        for (const entry of body.errors) {
          const detail = errorListEntry(entry)
          if (detail !== undefined) errors.push(detail)
        }
      } else if (body.errors !== undefined) {
        const detail = errorListEntry(body.errors)
        if (detail !== undefined) errors.push(detail)
      }
      const single = asString(body.error)
      if (single !== undefined) errors.push({ message: single })
      else if (body.error !== undefined) {
        const detail = errorListEntry(body.error)
        if (detail !== undefined) errors.push(detail)
      }
      const legacy = detailOf(body.code, asString(body.message))
      if (legacy !== undefined) errors.push(legacy)
      const title = asString(body.title)
      const detail = asString(body.detail)
      const problemType = asString(body.type)
      return {
        errors,
        ...(title === undefined ? {} : { title }),
        ...(detail === undefined ? {} : { detail }),
        ...(problemType === undefined ? {} : { problemType })
      }
    }
  })
}

/** True when a problem `type` URI ends with the given suffix (`rate-limit-exceeded`, `usage-capped`, …). */
export const isProblemType = (envelope: ErrorEnvelope, suffix: string): boolean =>
  envelope.problemType !== undefined && envelope.problemType.endsWith(`/${suffix}`)
