/**
 * Every failure a user of x-media can meet, as typed errors that carry the facts needed to act on
 * them. Each has a `message` that says what happened and what to do, and `isRetryable`: whether the
 * same operation, tried again later without changes, may succeed. Errors caused by another one keep
 * it as `cause`. None carries a secret.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { secondsText } from "./internal/Seconds.ts"
import { RateLimitInfo } from "./RateLimit.ts"

/**
 * The protocol step a failure happened in.
 *
 * @since 0.2.0
 * @category schemas
 */
export const UploadStep = Schema.Literals([
  "INIT",
  "APPEND",
  "FINALIZE",
  "STATUS",
  "UPLOAD",
  "METADATA",
  "SUBTITLES",
  "POST"
])

/**
 * INIT, APPEND, FINALIZE, STATUS, UPLOAD (the whole media in one request: v2's one-shot upload,
 * v1.1's simple upload), METADATA (alt text and other metadata), SUBTITLES (attaching or removing a
 * video's subtitles) or POST (creating a post).
 *
 * @since 0.2.0
 * @category schemas
 */
export type UploadStep = typeof UploadStep.Type

/**
 * One entry of X's error list: a numeric code when X gave one, and its text.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ApiErrorDetail = Schema.Struct({
  code: Schema.optionalKey(Schema.Int),
  message: Schema.String
})

/**
 * One entry of X's error list.
 *
 * @since 0.2.0
 * @category schemas
 */
export type ApiErrorDetail = typeof ApiErrorDetail.Type

const where = (step: UploadStep, segmentIndex: number | undefined) =>
  segmentIndex === undefined ? step : `${step} of segment ${segmentIndex}`

const describeDetails = (errors: ReadonlyArray<ApiErrorDetail>) =>
  errors.map((e) => (e.code === undefined ? e.message : `${e.message} (code ${e.code})`)).join("; ")

/**
 * X answered with an error status that no more specific error describes (400, 404, 5xx, …).
 * Carries the HTTP status, X's codes and messages from whichever envelope X used, the endpoint,
 * the rate-limit headers when present, and the media id and segment when known.
 *
 * @since 0.2.0
 * @category errors
 */
export class XApiError extends Schema.TaggedError<XApiError>()("XApiError", {
  step: UploadStep,
  endpoint: Schema.String,
  status: Schema.Int,
  errors: Schema.Array(ApiErrorDetail),
  title: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.String),
  problemType: Schema.optionalKey(Schema.String),
  mediaId: Schema.optionalKey(Schema.String),
  segmentIndex: Schema.optionalKey(Schema.Int),
  rateLimit: Schema.optionalKey(RateLimitInfo),
  /** When X said to try again (`Retry-After`, seconds or an HTTP date), if it did. */
  retryAfter: Schema.optionalKey(Schema.Date),
  /** How many times the request was sent, retries included. */
  attempts: Schema.optionalKey(Schema.Int)
}) {
  /** Whether trying the same again later, unchanged, may succeed (a 5xx or 408 (X's side) may pass; any other status will not change by itself). */
  get isRetryable(): boolean {
    return this.status >= 500 || this.status === 408
  }
  /** The numeric X error codes in this answer (for example 324, 38). */
  get codes(): ReadonlyArray<number> {
    return this.errors.flatMap((e) => (e.code === undefined ? [] : [e.code]))
  }
  override get message(): string {
    const said = describeDetails(this.errors) || this.detail || this.title || "no error text"
    const tries = this.attempts === undefined || this.attempts <= 1 ? "" : ` on all ${this.attempts} attempts`
    const trouble = this.status === 408 ? "X stopped waiting for the request" : "X had a server error"
    const advice = this.isRetryable
      ? this.retryAfter === undefined
        ? `${trouble}${tries}; try again later.`
        : `${trouble}${tries} and asked to be tried again at ${this.retryAfter.toISOString()}; try again after that.`
      : "Check the request parameters and the media."
    return `X answered HTTP ${this.status} to ${
      where(this.step, this.segmentIndex)
    } (${this.endpoint}): ${said}. ${advice}`
  }
}

/**
 * X said 429 (code 88, or a usage cap) and waiting for the window would exceed the configured
 * maximum. `resetAt` is when X says the window resets (`resetEstimated`: X gave no time, so it is
 * a minute after the answer). `usageCapped`: X's problem type `usage-capped`, the app's plan is used
 * up; no window reset ends that.
 *
 * @since 0.2.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  step: UploadStep,
  endpoint: Schema.String,
  resetAt: Schema.Date,
  limit: Schema.optionalKey(Schema.Int),
  remaining: Schema.optionalKey(Schema.Int),
  mediaId: Schema.optionalKey(Schema.String),
  /** When X said to try again (`Retry-After`), if it did. */
  retryAfter: Schema.optionalKey(Schema.Date),
  /** How many times the request was sent, retries included (absent when none was sent). */
  attempts: Schema.optionalKey(Schema.Int),
  /** X gave neither `x-rate-limit-reset` nor `Retry-After`: `resetAt` is an estimate. */
  resetEstimated: Schema.optionalKey(Schema.Boolean),
  /** X said `usage-capped`: the app's plan is used up, not a 15-minute window. */
  usageCapped: Schema.optionalKey(Schema.Boolean)
}) {
  /** Whether trying the same again later, unchanged, may succeed (after `resetAt`; not for a usage cap). */
  get isRetryable(): boolean {
    return this.usageCapped !== true
  }
  override get message(): string {
    if (this.usageCapped === true) {
      return `X refused ${this.step} (${this.endpoint}): the usage cap of the app's plan is used up (usage-capped). ` +
        "Waiting for a rate-limit window does not end it: check the app's usage and plan in X's developer portal."
    }
    const cap = this.limit === undefined ? "" : ` (limit ${this.limit} requests per window)`
    const reset = this.resetEstimated === true
      ? `X gave no reset time; try again after ${this.resetAt.toISOString()} (an estimate), and later if it is refused again.`
      : `The window resets at ${this.resetAt.toISOString()}; try again after that.`
    return `Rate limit exceeded on ${this.step} (${this.endpoint})${cap}. ${reset}`
  }
}

/**
 * Why X refused the credentials, as far as its answer tells.
 *
 * @since 0.2.0
 * @category schemas
 */
export const AuthFailureReason = Schema.Literals([
  "bad-signature",
  "clock-skew",
  "invalid-token",
  "missing-scope",
  "oauth2-on-v1",
  "forbidden",
  "unauthorized"
])

/**
 * Why X refused the credentials.
 *
 * @since 0.2.0
 * @category schemas
 */
export type AuthFailureReason = typeof AuthFailureReason.Type

/**
 * X answered 401 or 403. `reason` and `hint` say what to fix: a bad signature or clock skew
 * (codes 32, 135), an invalid or expired token (89), a missing `media.write` scope, or an OAuth 2.0
 * token used against the v1.1 API.
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthenticationFailed extends Schema.TaggedError<AuthenticationFailed>()("AuthenticationFailed", {
  step: UploadStep,
  endpoint: Schema.String,
  status: Schema.Int,
  reason: AuthFailureReason,
  hint: Schema.String,
  errors: Schema.Array(ApiErrorDetail),
  /** How many times the request was sent, retries included. */
  attempts: Schema.optionalKey(Schema.Int)
}) {
  /** Whether trying the same again later, unchanged, may succeed (the credentials or the app's settings must change first). */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const said = describeDetails(this.errors)
    return `X refused the credentials with HTTP ${this.status} on ${this.step} (${this.endpoint})${
      said ? `: ${said}` : ""
    }. ${this.hint}`
  }
}

/**
 * Credentials are missing or incomplete. `missing` names the variables (or fields) still to set of
 * a set the user started (empty when nothing is configured); `alternatives` lists the complete sets
 * that would work: the four OAuth 1.0a variables, or the one OAuth 2.0 token.
 *
 * @since 0.2.0
 * @category errors
 */
export class MissingCredentials extends Schema.TaggedError<MissingCredentials>()("MissingCredentials", {
  missing: Schema.Array(Schema.String),
  alternatives: Schema.optionalKey(Schema.Array(Schema.Array(Schema.String))),
  detail: Schema.String
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return this.missing.length === 0 ? this.detail : `Missing credentials: ${this.missing.join(", ")}. ${this.detail}`
  }
}

/**
 * The chosen authentication cannot be used with the chosen dialect (OAuth 2.0 on v1.1). Raised
 * before any request. `chosenBy` is the input that chose the dialect (a flag such as `--api`, a
 * variable such as `X_MEDIA_API`) when the caller knows it; the advice then names it.
 *
 * @since 0.2.0
 * @category errors
 */
export class AuthUnsupported extends Schema.TaggedError<AuthUnsupported>()("AuthUnsupported", {
  auth: Schema.Literals(["oauth1", "oauth2"]),
  dialect: Schema.Literals(["v1", "v2"]),
  chosenBy: Schema.optionalKey(Schema.String),
  detail: Schema.String
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return this.detail
  }
}

/**
 * The media id is past its `expires_after_secs`. Raised without a request when the expiry is known,
 * and for the 4xx X gives for an expired id.
 *
 * @since 0.2.0
 * @category errors
 */
export class MediaExpired extends Schema.TaggedError<MediaExpired>()("MediaExpired", {
  mediaId: Schema.String,
  expiresAt: Schema.optionalKey(Schema.Date),
  step: UploadStep,
  /** How many times the request was sent (absent when the expiry was known and nothing was sent). */
  attempts: Schema.optionalKey(Schema.Int)
}) {
  /** Whether trying the same again later, unchanged, may succeed (the id is gone: upload the file again). */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const when = this.expiresAt === undefined ? "" : ` at ${this.expiresAt.toISOString()}`
    return `Media ${this.mediaId} expired${when} (${this.step}); it cannot be used any more. Upload the file again.`
  }
}

/**
 * X's processing of the media failed: `state` failed, or an `error` inside `processing_info`
 * whatever the state. Carries X's error code, name (InvalidMedia, UnsupportedMedia, …) and text.
 *
 * @since 0.2.0
 * @category errors
 */
export class ProcessingFailed extends Schema.TaggedError<ProcessingFailed>()("ProcessingFailed", {
  mediaId: Schema.String,
  state: Schema.String,
  errorCode: Schema.optionalKey(Schema.Int),
  errorName: Schema.optionalKey(Schema.String),
  errorMessage: Schema.optionalKey(Schema.String),
  progressPercent: Schema.optionalKey(Schema.Int)
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const name = this.errorName ?? "processing error"
    const code = this.errorCode === undefined ? "" : ` (code ${this.errorCode})`
    const text = this.errorMessage === undefined ? "" : `: ${this.errorMessage}`
    return `X could not process media ${this.mediaId} (state ${this.state}): ${name}${code}${text}. Check the file's format against X's media requirements and upload it again.`
  }
}

/**
 * Processing did not finish in time: the maximum wait was reached (`max-wait`), progress stopped
 * moving (`stalled`), or the media would expire before the next check (`expiry`). Carries the last
 * state seen.
 *
 * @since 0.2.0
 * @category errors
 */
export class ProcessingTimeout extends Schema.TaggedError<ProcessingTimeout>()("ProcessingTimeout", {
  mediaId: Schema.String,
  reason: Schema.Literals(["max-wait", "stalled", "expiry"]),
  waitedMillis: Schema.Int,
  maxWaitMillis: Schema.Int,
  lastState: Schema.String,
  lastProgressPercent: Schema.optionalKey(Schema.Int),
  /** The wait X asked for before the next check (`check_after_secs`), when that check is what would pass the limit. */
  nextCheckMillis: Schema.optionalKey(Schema.Int)
}) {
  /** Whether trying the same again later, unchanged, may succeed: X may still finish, unless the media expires first. */
  get isRetryable(): boolean {
    return this.reason !== "expiry"
  }
  override get message(): string {
    const progress = this.lastProgressPercent === undefined ? "" : ` at ${this.lastProgressPercent}%`
    const next = this.nextCheckMillis === undefined ? "" : `the next check, ${secondsText(this.nextCheckMillis)} away, `
    const askAgain = `ask again later with \`x-media status ${this.mediaId} --wait\``
    const [why, advice] = this.reason === "stalled"
      ? ["its progress stopped moving", `X may still finish: ${askAgain}.`]
      : this.reason === "expiry"
      ? [
        `${next || "processing "}would end after the media expires`,
        "Upload it again; a media that expires cannot be posted."
      ]
      : [
        `${next}${next === "" ? "the" : "would pass the"} maximum wait of ${secondsText(this.maxWaitMillis)}${
          next === "" ? " was reached" : ""
        }`,
        `A${askAgain.slice(1)}, or allow a longer wait (maxWait; --max-wait on the command line).`
      ]
    return `Media ${this.mediaId} was still ${this.lastState}${progress} after ${
      secondsText(this.waitedMillis)
    }: ${why}. ${advice}`
  }
}

/**
 * The whole upload did not finish within its deadline. `phase` is what it was doing (uploading,
 * finalizing, processing); `mediaId` is set once INIT answered, and `sessionSaved` once `onSession`
 * received a session, which `Upload.resume` can then take up.
 *
 * @since 0.2.0
 * @category errors
 */
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
  deadlineMillis: Schema.Int,
  phase: Schema.Literals(["preparing", "initializing", "uploading", "finalizing", "processing", "describing"]),
  mediaId: Schema.optionalKey(Schema.String),
  /** Whether the upload's `onSession` had received a session to resume from (absent: none was saved). */
  sessionSaved: Schema.optionalKey(Schema.Boolean)
}) {
  /** Whether trying the same again later, unchanged, may succeed (with a longer deadline, or resumed). */
  get isRetryable(): boolean {
    return true
  }
  override get message(): string {
    const media = this.mediaId === undefined ? "" : ` (media ${this.mediaId})`
    const advice = this.sessionSaved === true
      ? "Resume the saved session (Upload.resume) with a longer deadline or none."
      : "Upload it again with a longer deadline or none."
    const deadline = secondsText(this.deadlineMillis)
    return `The upload${media} did not finish within its deadline of ${deadline}; it was ${this.phase}. ${advice}`
  }
}

/**
 * The request did not get an answer: connection refused or reset, DNS failure, or no progress for
 * the idle time (`timedOut`). `host` is where it went, and `hostIsOverride` whether that is a base
 * URL the user set (an emulator, a proxy) rather than X's own host.
 *
 * @since 0.2.0
 * @category errors
 */
export class NetworkError extends Schema.TaggedError<NetworkError>()("NetworkError", {
  step: UploadStep,
  endpoint: Schema.String,
  reason: Schema.String,
  timedOut: Schema.Boolean,
  host: Schema.optionalKey(Schema.String),
  hostIsOverride: Schema.optionalKey(Schema.Boolean),
  mediaId: Schema.optionalKey(Schema.String),
  segmentIndex: Schema.optionalKey(Schema.Int),
  /** How many times the request was sent, retries included. */
  attempts: Schema.optionalKey(Schema.Int),
  /** The transport's own error (never the request, which holds the credentials). */
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return true
  }
  override get message(): string {
    const what = this.timedOut ? "timed out" : "failed"
    const on = this.host === undefined ? "" : ` on ${this.host}`
    const tries = this.attempts === undefined || this.attempts <= 1 ? "" : ` (${this.attempts} attempts)`
    const check = this.hostIsOverride === true
      ? `Check that the server at ${this.host} (the base URL you set) is running and reachable.`
      : "Check the network connection to X (DNS, proxy, firewall)."
    const slow = !this.timedOut
      ? ""
      : this.step === "APPEND" || this.step === "UPLOAD"
      ? " On a slow or unsteady link, raise the idle timeout (idleTimeout), or send fewer and smaller segments at once (concurrency, chunkSize)."
      : " On a slow or unsteady link, raise the idle timeout (idleTimeout)."
    return `The ${
      where(this.step, this.segmentIndex)
    } request to ${this.endpoint}${on} ${what}${tries}: ${this.reason}. ${check}${slow}`
  }
}

/**
 * X answered, but the body is not what the protocol says (truncated JSON, an HTML page, wrong
 * types, a missing id). Carries the endpoint, the status and the start of the body.
 *
 * @since 0.2.0
 * @category errors
 */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
  step: UploadStep,
  endpoint: Schema.String,
  status: Schema.Int,
  problem: Schema.String,
  bodyExcerpt: Schema.String,
  /** How many times the request was sent, retries included. */
  attempts: Schema.optionalKey(Schema.Int),
  /** What the parser or the Schema said. */
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Whether trying the same again later, unchanged, may succeed (a cut-off or garbled answer is usually transient). */
  get isRetryable(): boolean {
    return true
  }
  override get message(): string {
    return `X's answer to ${this.step} (${this.endpoint}, HTTP ${this.status}) could not be read: ${this.problem}. Body starts with: ${
      JSON.stringify(this.bodyExcerpt)
    }. X or a proxy on the way garbled it; try again later.`
  }
}

/**
 * The source file cannot be used: missing, a directory, unreadable, or it changed while uploading.
 *
 * @since 0.2.0
 * @category errors
 */
export class MediaSourceError extends Schema.TaggedError<MediaSourceError>()("MediaSourceError", {
  source: Schema.String,
  reason: Schema.Literals(["not-found", "not-a-file", "unreadable", "changed"]),
  detail: Schema.String,
  /** The file system's or the stream's own error, when there was one. */
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return `Cannot upload ${this.source}: ${this.detail}`
  }
}

/**
 * The media has no bytes.
 *
 * @since 0.2.0
 * @category errors
 */
export class EmptyMedia extends Schema.TaggedError<EmptyMedia>()("EmptyMedia", {
  source: Schema.String
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return `${this.source} is empty (0 bytes); X does not accept empty media.`
  }
}

/** A size in MB as X counts it (1 MB = 1,048,576 bytes): "5 MB", "15 MB", "512 MB". */
const megabytes = (bytes: number): string => {
  const mb = bytes / 1_048_576
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`
}

/** What to do about media over a limit that no other category of its type raises. */
const shrinkAdvice = (category: string, limit: number): string => {
  const max = megabytes(limit)
  if (category.endsWith("_image")) return `Compress or resize it: X's image limit is ${max}.`
  if (category.endsWith("_gif")) {
    return `Make it smaller (fewer frames or colours, smaller dimensions): X's GIF limit is ${max}.`
  }
  if (category.endsWith("_video")) return `Compress it or shorten it: X's video limit is ${max}.`
  if (category === "subtitles") return `Shorten it: X's subtitle limit is ${max}.`
  return `Make it smaller: the limit is ${max}.`
}

/**
 * The media is larger than its category allows (image 5 MB, GIF 15 MB, video 512 MB, …).
 * `largerCategories` names the categories that fit the media type and allow more, when there are
 * any (a GIF sent as `tweet_image` may use `tweet_gif`); with none, the advice is to make the file
 * smaller, and names X's limit.
 *
 * @since 0.2.0
 * @category errors
 */
export class MediaTooLarge extends Schema.TaggedError<MediaTooLarge>()("MediaTooLarge", {
  source: Schema.String,
  size: Schema.Int,
  limit: Schema.Int,
  category: Schema.String,
  largerCategories: Schema.optionalKey(Schema.Array(Schema.String))
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const larger = this.largerCategories ?? []
    const advice = larger.length === 0
      ? shrinkAdvice(this.category, this.limit)
      : `Compress it, or upload it as ${larger.join(" or ")}, which ${larger.length === 1 ? "allows" : "allow"} more.`
    return `${this.source} is ${this.size} bytes, ${
      this.size - this.limit
    } bytes over the ${this.limit}-byte limit of ${this.category}. ${advice}`
  }
}

/**
 * The media is none of the types X accepts: an explicit type X does not take, or bytes and a file
 * name that tell no accepted type. `accepted` lists the types X takes.
 *
 * @since 0.2.0
 * @category errors
 */
export class UnknownMediaType extends Schema.TaggedError<UnknownMediaType>()("UnknownMediaType", {
  source: Schema.String,
  detail: Schema.String,
  accepted: Schema.optionalKey(Schema.Array(Schema.String))
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const accepted = this.accepted === undefined ? "" : ` (${this.accepted.join(", ")})`
    return `${this.source} is none of the media types X accepts${accepted}: ${this.detail}. Convert it to one of them; ` +
      "if it is one already and was not recognized, give its type explicitly (the mediaType option; x-media upload --media-type)."
  }
}

/**
 * The requested category does not fit the media type (for example tweet_image for a video).
 *
 * @since 0.2.0
 * @category errors
 */
export class CategoryMismatch extends Schema.TaggedError<CategoryMismatch>()("CategoryMismatch", {
  mediaType: Schema.String,
  category: Schema.String,
  allowed: Schema.Array(Schema.String)
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return `Category ${this.category} does not fit media type ${this.mediaType}; use one of: ${
      this.allowed.join(", ")
    }.`
  }
}

/**
 * Alt text is too long (over 1000 characters) or given for media that cannot carry it (video).
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidAltText extends Schema.TaggedError<InvalidAltText>()("InvalidAltText", {
  reason: Schema.Literals(["too-long", "not-supported"]),
  length: Schema.Int,
  limit: Schema.Int,
  category: Schema.String
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return this.reason === "too-long"
      ? `Alt text is ${this.length} characters, ${
        this.length - this.limit
      } over the limit of ${this.limit}. Shorten it.`
      : `Alt text is supported for images and GIFs only, not for ${this.category}. Leave it out.`
  }
}

/**
 * An option or flag has a value that cannot work (chunk size over 5 MiB, concurrency 0, …).
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidOption extends Schema.TaggedError<InvalidOption>()("InvalidOption", {
  option: Schema.String,
  value: Schema.String,
  detail: Schema.String
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return `Invalid ${this.option} ${JSON.stringify(this.value)}: ${this.detail}`
  }
}

/** A byte count in the unit a person reads best (bytes, KiB, MiB). */
const sizeText = (bytes: number): string =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes >= 1024 && bytes % 1024 === 0
    ? `${bytes / 1024} KiB`
    : `${bytes} bytes`

/**
 * APPENDs kept timing out although the upload slowed down after each timeout (fewer segments in
 * flight, smaller segments not sent yet): `timeouts` rounds in a row without an answered APPEND,
 * the last with `concurrency` segments of at most `chunkSize` bytes in flight. The link is too slow
 * for the idle timeout, or X does not answer. `cause` is the last NetworkError.
 *
 * @since 0.2.0
 * @category errors
 */
export class UploadStalled extends Schema.TaggedError<UploadStalled>()("UploadStalled", {
  mediaId: Schema.String,
  segmentIndex: Schema.Int,
  timeouts: Schema.Int,
  idleTimeoutMillis: Schema.Finite,
  concurrency: Schema.Int,
  chunkSize: Schema.Int,
  /** The size of the segment that timed out last (segments sent before a slow-down keep their size). */
  segmentBytes: Schema.Int,
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Whether trying the same again later, unchanged, may succeed (on a faster link, or when X answers again). */
  get isRetryable(): boolean {
    return true
  }
  override get message(): string {
    const idle = secondsText(this.idleTimeoutMillis)
    const inFlight = this.concurrency === 1 ? "1 segment" : `${this.concurrency} segments`
    return `Segment ${this.segmentIndex} (${
      sizeText(this.segmentBytes)
    }) of media ${this.mediaId} got no answer within ${idle}, ` +
      `${this.timeouts} times in a row, though the upload had slowed down to ${inFlight} of at most ${
        sizeText(this.chunkSize)
      } at a time: ` +
      `the link to X is too slow for that idle time, or X does not answer. Allow more idle time (the idleTimeout option), ` +
      `or try again on a faster link.`
  }
}

/**
 * An error raised before any request, because of the input.
 *
 * @since 0.2.0
 * @category errors
 */
export type PreflightError =
  | MediaSourceError
  | EmptyMedia
  | MediaTooLarge
  | UnknownMediaType
  | CategoryMismatch
  | InvalidAltText
  | InvalidOption

/**
 * An error from talking to X (or the emulator).
 *
 * @since 0.2.0
 * @category errors
 */
export type XRequestError =
  | XApiError
  | RateLimited
  | AuthenticationFailed
  | NetworkError
  | MalformedResponse
  | MediaExpired

/**
 * Every typed error x-media raises.
 *
 * @since 0.2.0
 * @category errors
 */
export type XMediaError =
  | XRequestError
  | PreflightError
  | ProcessingFailed
  | ProcessingTimeout
  | DeadlineExceeded
  | MissingCredentials
  | AuthUnsupported
  | UploadStalled
  | PostError

/** `cause` is not an enumerable field of an error: carry it over by hand. */
const causeOf = (error: { readonly cause?: unknown }): { readonly cause?: unknown } =>
  error.cause === undefined ? {} : { cause: error.cause }

/**
 * The same error with the number of times its request was sent.
 *
 * @since 0.2.0
 * @category constructors
 */
export const withAttempts = (error: XRequestError, attempts: number): XRequestError => {
  switch (error._tag) {
    case "XApiError":
      return new XApiError({ ...error, attempts })
    case "RateLimited":
      return new RateLimited({ ...error, attempts })
    case "AuthenticationFailed":
      return new AuthenticationFailed({ ...error, attempts })
    case "NetworkError":
      return new NetworkError({ ...error, ...causeOf(error), attempts })
    case "MalformedResponse":
      return new MalformedResponse({ ...error, ...causeOf(error), attempts })
    case "MediaExpired":
      return new MediaExpired({ ...error, attempts })
  }
}

/**
 * A post's text cannot be posted: over X's weighted limit (280; URLs count 23, emoji and CJK 2, see
 * `PostText.weightedLength`), or empty in a post without media. Raised before any request.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidPostText extends Schema.TaggedError<InvalidPostText>()("InvalidPostText", {
  reason: Schema.Literals(["too-long", "empty"]),
  weightedLength: Schema.Int,
  limit: Schema.Int
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return this.reason === "too-long"
      ? `The post's text is ${this.weightedLength} characters as X counts them (URLs 23, emoji and CJK 2 each), ` +
        `${this.weightedLength - this.limit} over the limit of ${this.limit}. Shorten it.`
      : "The post has no text and no media: give a text, or attach media."
  }
}

/**
 * The media of a post break one of X's combination rules: at most 4 images (`too-many-media`), a GIF
 * alone (`gif-not-alone`), a video alone (`video-not-alone`), or media that cannot be posted at all
 * (`not-post-media`: subtitles, which attach to a video, or a `dm_*` category). `rule` says which;
 * the counts say what was given. Raised before any request.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidMediaCombination extends Schema.TaggedError<InvalidMediaCombination>()("InvalidMediaCombination", {
  rule: Schema.Literals(["too-many-media", "gif-not-alone", "video-not-alone", "not-post-media"]),
  count: Schema.Int,
  images: Schema.Int,
  gifs: Schema.Int,
  videos: Schema.Int,
  /** The media that cannot be posted (`not-post-media`): its name or id and its category. */
  media: Schema.optionalKey(Schema.String),
  category: Schema.optionalKey(Schema.String)
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const given = [
      this.images > 0 ? `${this.images} image${this.images === 1 ? "" : "s"}` : undefined,
      this.gifs > 0 ? `${this.gifs} GIF${this.gifs === 1 ? "" : "s"}` : undefined,
      this.videos > 0 ? `${this.videos} video${this.videos === 1 ? "" : "s"}` : undefined
    ].filter((part) => part !== undefined).join(", ") || `${this.count} media`
    switch (this.rule) {
      case "too-many-media":
        return `A post holds at most 4 images, or 1 GIF, or 1 video; got ${this.count} media` +
          `${
            given === `${this.count} media` ? "" : ` (${given})`
          }. Split them over several posts (a thread of replies).`
      case "gif-not-alone":
        return `A GIF must be the only media of its post; got ${given}. Post the GIF alone, and the rest in another post.`
      case "video-not-alone":
        return `A video must be the only media of its post; got ${given}. Post the video alone, and the rest in another post.`
      case "not-post-media":
        return `${this.media ?? "A media"} (${this.category ?? "unknown category"}) cannot be attached to a post: ` +
          (this.category === "subtitles"
            ? "subtitles attach to a video (give them as that video's subtitles: the subtitles option; x-media post --subtitles FILE --language CODE)."
            : "it was uploaded for direct messages; upload it again with a tweet_* category.")
    }
  }
}

/**
 * A post was asked for with media X has not finished processing (`state` is not `succeeded`). X
 * would refuse the post ("Your media IDs are invalid."); nothing was sent. Wait for the media
 * (`MediaClient.awaitReady`, `x-media status ID --wait`) and post then.
 *
 * @since 0.3.0
 * @category errors
 */
export class MediaNotReady extends Schema.TaggedError<MediaNotReady>()("MediaNotReady", {
  mediaId: Schema.String,
  state: Schema.String
}) {
  /** Whether trying the same again later, unchanged, may succeed (once X has processed it). */
  get isRetryable(): boolean {
    return true
  }
  override get message(): string {
    return `Media ${this.mediaId} is ${this.state}, not ready: X refuses a post whose media it has not finished processing. ` +
      `Wait for it (x-media status ${this.mediaId} --wait) and post then.`
  }
}

/**
 * X refused the media ids of a post (400 "Your media IDs are invalid."): one of them does not exist,
 * has expired, belongs to another user who did not list this one in `additional_owners`, was
 * uploaded for DMs, or is not processed yet. X does not say which; `mediaIds` are the ids sent.
 *
 * @since 0.3.0
 * @category errors
 */
export class InvalidMediaIds extends Schema.TaggedError<InvalidMediaIds>()("InvalidMediaIds", {
  mediaIds: Schema.Array(Schema.String),
  status: Schema.Int,
  errors: Schema.Array(ApiErrorDetail)
}) {
  /** Whether trying the same again later, unchanged, may succeed. */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    const said = describeDetails(this.errors) || "Your media IDs are invalid."
    return `X refused the media of the post (HTTP ${this.status}: ${said}) for ids ${this.mediaIds.join(", ")}. ` +
      "Each must be uploaded by this user (or list it in additional_owners), processed (state succeeded) and " +
      "unexpired: check them with `x-media status ID`, and upload again any that expired."
  }
}

/**
 * The post request was sent but no answer came back (the connection broke, the idle timeout passed,
 * or X answered with a server error): X may or may not have created the post. It is never sent
 * again by itself, as a second try could post twice. Look at the account's posts before posting
 * again. `cause` is the underlying error.
 *
 * @since 0.3.0
 * @category errors
 */
export class PostOutcomeUnknown extends Schema.TaggedError<PostOutcomeUnknown>()("PostOutcomeUnknown", {
  endpoint: Schema.String,
  reason: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Whether trying the same again later, unchanged, may succeed (it may post twice: check first). */
  get isRetryable(): boolean {
    return false
  }
  override get message(): string {
    return `The post was sent to ${this.endpoint} but its outcome is unknown: ${this.reason}. X may have created it. ` +
      "Check the account's posts before posting again; x-media does not resend a post, so as never to post it twice."
  }
}

/**
 * Everything checking or creating a post can fail with besides talking to X.
 *
 * @since 0.3.0
 * @category errors
 */
export type PostError = InvalidPostText | InvalidMediaCombination | MediaNotReady | InvalidMediaIds | PostOutcomeUnknown
