/**
 * One request to X and its answer, with every way it can go wrong turned into a typed error:
 * no answer (NetworkError), 429 (RateLimited), 401/403 (AuthenticationFailed), an expired id
 * (MediaExpired), any other error status (XApiError), and an unreadable body (MalformedResponse).
 *
 * @internal
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import * as HttpBody from "effect/http/HttpBody"
import type * as HttpClient from "effect/http/HttpClient"
import type { HttpClientError } from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as MutableRef from "effect/MutableRef"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { classifyAuthFailure } from "../Auth.ts"
import type { Dialect } from "../Dialect.ts"
import {
  AuthenticationFailed,
  MalformedResponse,
  MediaExpired,
  NetworkError,
  RateLimited,
  type UploadStep,
  XApiError,
  type XRequestError
} from "../Errors.ts"
import { rateLimitFromHeaders, type RateLimitInfo } from "../RateLimit.ts"
import { excerpt, isProblemType, parseErrorEnvelope } from "./ErrorEnvelope.ts"
import { secondsText } from "./Seconds.ts"

/** Where a request belongs, for the errors it may raise. */
export interface ExchangeContext {
  readonly step: UploadStep
  readonly endpoint: string
  readonly dialect: Dialect
  readonly mediaId?: string | undefined
  readonly segmentIndex?: number | undefined
  /** The media's known expiry: a 4xx after it is reported as MediaExpired. */
  readonly expiresAt?: Date | undefined
  /** The scheme the request is authorized with. */
  readonly scheme?: "oauth1" | "oauth2" | undefined
  /** The OAuth 2.0 scope the endpoint needs, when not `media.write`. */
  readonly scope?: string | undefined
  /** Where the request goes (scheme://host[:port]), and whether the user set it. */
  readonly host?: string | undefined
  readonly hostIsOverride?: boolean | undefined
}

/** A 2xx answer, read whole (X's media answers are small). */
export interface Answer {
  readonly status: number
  readonly text: string
  /** The Clock when the answer arrived, in milliseconds. */
  readonly receivedAt: number
  readonly rateLimit: Option.Option<RateLimitInfo>
}

/** How long a 429 without a reset header is assumed to last. */
const defaultRateLimitWindowMillis = 60_000

const networkError = (ctx: ExchangeContext, reason: string, timedOut: boolean, cause?: unknown) =>
  new NetworkError({
    step: ctx.step,
    endpoint: ctx.endpoint,
    reason,
    timedOut,
    ...(ctx.host === undefined ? {} : { host: ctx.host }),
    ...(ctx.hostIsOverride === undefined ? {} : { hostIsOverride: ctx.hostIsOverride }),
    ...(cause === undefined ? {} : { cause }),
    ...(ctx.mediaId === undefined ? {} : { mediaId: ctx.mediaId }),
    ...(ctx.segmentIndex === undefined ? {} : { segmentIndex: ctx.segmentIndex })
  })

const describeHttpClientError = (error: HttpClientError): string => {
  const reason = error.reason
  const cause = "cause" in reason ? reason.cause : undefined
  const causeText = cause instanceof Error
    ? [cause.message, cause.cause instanceof Error ? cause.cause.message : undefined].filter(Boolean).join(": ")
    : undefined
  return causeText || reason.description || reason._tag
}

/** The transport's own error: not the HttpClientError, whose request holds the Authorization header. */
const transportCause = (error: HttpClientError): unknown => ("cause" in error.reason ? error.reason.cause : undefined)

const expiredText = /expired/i

/**
 * X's 403s about what a post says or refers to, not about the credentials: a reply to (or quote of)
 * a post that is deleted or not visible, a duplicate text. They are XApiErrors, so that a token is
 * not blamed for them.
 */
const contentRefusal = /not visible to you|duplicate content/i

const refusesContent = (envelope: ReturnType<typeof parseErrorEnvelope>): boolean =>
  envelope.errors.some((e) => contentRefusal.test(e.message)) ||
  (envelope.detail !== undefined && contentRefusal.test(envelope.detail))

/**
 * When a `Retry-After` header says to try again: delta seconds or an HTTP date, read with effect's
 * `Headers.parseRetryAfter`, from the moment the answer arrived. None when absent or unreadable.
 */
export const retryAfterOf = (value: string | undefined, receivedAt: number): Date | undefined => {
  if (value === undefined) return undefined
  const parsed = Headers.parseRetryAfter(value)
  return Result.isSuccess(parsed)
    ? new Date(receivedAt + Duration.toMillis(Headers.retryAfterDelay(parsed.success, receivedAt)))
    : undefined
}

const failureOf = (
  ctx: ExchangeContext,
  status: number,
  text: string,
  receivedAt: number,
  rateLimit: Option.Option<RateLimitInfo>,
  retryAfter: Date | undefined
): XRequestError => {
  const envelope = parseErrorEnvelope(text)
  const ids = ctx.mediaId === undefined ? {} : { mediaId: ctx.mediaId }
  const after = retryAfter === undefined ? {} : { retryAfter }
  if (status === 429 || isProblemType(envelope, "rate-limit-exceeded") || isProblemType(envelope, "usage-capped")) {
    const info = Option.getOrUndefined(rateLimit)
    const given = info?.resetAt ?? retryAfter
    return new RateLimited({
      step: ctx.step,
      endpoint: ctx.endpoint,
      resetAt: given ?? new Date(receivedAt + defaultRateLimitWindowMillis),
      ...(info === undefined ? {} : { limit: info.limit, remaining: info.remaining }),
      ...ids,
      ...after,
      ...(given === undefined ? { resetEstimated: true } : {}),
      ...(isProblemType(envelope, "usage-capped") ? { usageCapped: true } : {})
    })
  }
  if (status === 401 || (status === 403 && !refusesContent(envelope))) {
    const scheme = ctx.scheme
    const { hint, reason } = classifyAuthFailure({
      status,
      errors: envelope.errors,
      dialect: ctx.dialect,
      bodyText: text,
      ...(scheme === undefined ? {} : { scheme }),
      ...(ctx.scope === undefined ? {} : { requiredScope: ctx.scope })
    })
    return new AuthenticationFailed({
      step: ctx.step,
      endpoint: ctx.endpoint,
      status,
      reason,
      hint,
      errors: envelope.errors
    })
  }
  const mentionsExpiry = envelope.errors.some((e) => expiredText.test(e.message)) ||
    (envelope.detail !== undefined && expiredText.test(envelope.detail))
  const pastExpiry = ctx.expiresAt !== undefined && ctx.expiresAt.getTime() <= receivedAt
  if (ctx.mediaId !== undefined && status >= 400 && status < 500 && (mentionsExpiry || pastExpiry)) {
    return new MediaExpired({
      mediaId: ctx.mediaId,
      step: ctx.step,
      ...(ctx.expiresAt === undefined ? {} : { expiresAt: ctx.expiresAt })
    })
  }
  const info = Option.getOrUndefined(rateLimit)
  return new XApiError({
    step: ctx.step,
    endpoint: ctx.endpoint,
    status,
    errors: envelope.errors,
    ...(envelope.title === undefined ? {} : { title: envelope.title }),
    ...(envelope.detail === undefined ? {} : { detail: envelope.detail }),
    ...(envelope.problemType === undefined ? {} : { problemType: envelope.problemType }),
    ...ids,
    ...(ctx.segmentIndex === undefined ? {} : { segmentIndex: ctx.segmentIndex }),
    ...(info === undefined ? {} : { rateLimit: info }),
    ...after
  })
}

/**
 * The pieces of a request body handed to the transport at once. The transport pulls the next
 * piece when the socket takes more, so each pull is a sign of progress: a 4 MiB segment sent as
 * one piece would show none until all of it sat in the kernel's buffers. Pieces start at 64 KiB;
 * while the transport takes each one in under an eighth of {@link sliceTargetMillis} they double,
 * and when one takes longer than that they halve again, so a fast link pays for few pulls (each
 * costs tens of µs of cold code) and a slow one keeps showing progress often. The largest piece
 * is what the link moves in the idle time at 8 bytes per ms (256 KiB for the default 60 s, 64 KiB
 * under 16 s), so a link that slows down suddenly is not cut off within one piece above ~8 KB/s.
 *
 * Pulls are timed by the socket's buffers, which take megabytes at once whatever the link, so they
 * cannot tell a fast link from a slow one; an answer can, as it comes only once every byte arrived.
 * After a request whose body went from its first piece to its answer at {@link wholeBodyBytesPerMilli}
 * or faster (see {@link LinkSpeed}), the next bodies to that host are handed over in whole pieces:
 * on such a link a 4 MiB segment takes milliseconds, and its ~17 pulls cost ~1 ms of CPU each time
 * (15 % of a 512 MiB upload over loopback, bench/RESULTS.md). A link that then drops, within one
 * request, below what moves a segment in the idle time (~70 KB/s for 4 MiB in 60 s) is cut off
 * after the idle time; a request without an answer forgets the speed, so the upload sends that
 * APPEND again in pieces (and at a slower pace), and slower answers keep the pieces.
 */
const minSliceBytes = 64 * 1024
const maxSliceBytes = 1024 * 1024

/** From this speed on (16 MiB/s, bytes per ms, measured from a body's first piece to its answer), bodies go whole. */
const wholeBodyBytesPerMilli = 16 * 1024

/**
 * How fast the body of the last answered request to one host moved: bytes per ms from its first
 * piece to its answer. Every byte had arrived by then, so it never overstates the link. One per
 * host of a client, written by every answered request with a streamed body.
 */
export interface LinkSpeed {
  bytesPerMilli: number
}

/** A host's {@link LinkSpeed} before any answer: unknown, so bodies are sliced. */
export const makeLinkSpeed = (): LinkSpeed => ({ bytesPerMilli: 0 })

/** How long one piece should take the transport: a 32nd of the idle time. */
const sliceTargetMillis = (idleMillis: number): number => idleMillis / 32

/** The largest piece for an idle time (a power of two between 64 KiB and 1 MiB). */
const largestSlice = (idleMillis: number): number => {
  let size = minSliceBytes
  while (size * 2 <= Math.min(maxSliceBytes, idleMillis * 8)) size *= 2
  return size
}

/** When the exchange last made progress, and whether the body has been handed over whole. */
interface Activity {
  at: number
  bodySent: boolean
}

/**
 * The size of the next piece of one request's body, when the transport pulled the first and the
 * last one, and how many bytes it pulled (for the {@link LinkSpeed} the answer shows).
 */
interface Slicing {
  size: number
  firstPulledAt: number | undefined
  pulledAt: number | undefined
  bytesPulled: number
}

/**
 * A piece of the body as a stream of views (never copies) sized by `slicing`, each pull recorded as
 * progress. One plain pull per slice, not a Stream stage per slice with an Effect per element
 * (`Stream.tap`): in a process that uploads once, each extra stage costs tens of µs of cold code
 * per pull (bench/RESULTS.md).
 */
const sliced = (
  piece: Uint8Array,
  moved: () => number,
  slicing: Slicing,
  targetMillis: number,
  largest: number
): Stream.Stream<Uint8Array> =>
  Stream.fromPull(Effect.sync(() => {
    let offset = 0
    return Effect.suspend(() => {
      if (offset >= piece.byteLength) return Cause.done()
      const now = moved()
      slicing.firstPulledAt ??= now
      if (slicing.pulledAt !== undefined) {
        const took = now - slicing.pulledAt
        if (took * 8 < targetMillis) slicing.size = Math.min(slicing.size * 2, largest)
        else if (took > targetMillis) slicing.size = Math.max(slicing.size / 2, minSliceBytes)
      }
      slicing.pulledAt = now
      const end = Math.min(offset + slicing.size, piece.byteLength)
      slicing.bytesPulled += end - offset
      const slice = piece.subarray(offset, end)
      offset = end
      return Effect.succeed(Arr.of(slice))
    })
  }))

/**
 * The body as the transport pulls it: in slices sized to the link (see {@link sliced}), or in whole
 * pieces on a link its last answer showed to be fast, each pull recorded as progress, and the end of
 * the body recorded too.
 */
const watchedBody = (
  request: HttpClientRequest.HttpClientRequest,
  activity: MutableRef.MutableRef<Activity>,
  clock: Clock.Clock,
  idleMillis: number,
  speed: LinkSpeed,
  slicing: Slicing
) => {
  const body = request.body
  if (body._tag !== "Stream") return request
  const moved = () => {
    const now = clock.currentTimeMillisUnsafe()
    activity.current.at = now
    return now
  }
  const targetMillis = sliceTargetMillis(idleMillis)
  const largest = largestSlice(idleMillis)
  // On a fast link the pieces go as they come, each pull still a sign of progress: no stream per piece.
  const pieces = speed.bytesPerMilli >= wholeBodyBytesPerMilli
    ? Stream.mapArray(body.stream, (chunk) => {
      const now = moved()
      slicing.firstPulledAt ??= now
      for (const piece of chunk) slicing.bytesPulled += piece.byteLength
      return chunk
    })
    : Stream.flatMap(body.stream, (piece) => sliced(piece, moved, slicing, targetMillis, largest))
  const watched = Stream.onEnd(
    pieces,
    Effect.sync(() => {
      moved()
      activity.current.bodySent = true
    })
  )
  return HttpClientRequest.setBody(request, HttpBody.stream(watched, body.contentType, body.contentLength))
}

/**
 * Sends one request through `client` (which adds the base URL and the credentials) and reads the
 * whole answer. Succeeds with a 2xx answer; fails with the typed error that describes anything
 * else. Interrupting it aborts the request.
 *
 * It times out on a lack of progress, not on total duration: it fails with NetworkError
 * (`timedOut`) when no byte of the body moved for `idleTimeout`, or when no answer came within
 * `idleTimeout` after the body was handed over whole (a request without a streamed body counts as
 * handed over at once). A slow link that keeps moving is never cut off. The answer's speed is
 * written to `speed` (the host's), which decides how the next body is cut ({@link sliced}).
 */
export const exchange = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  ctx: ExchangeContext,
  idleTimeout: Duration.Duration,
  speed: LinkSpeed
): Effect.Effect<Answer, XRequestError> =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    // Written synchronously on every pull of the body, read by the watchdog.
    const activity = MutableRef.make<Activity>({
      at: clock.currentTimeMillisUnsafe(),
      bodySent: request.body._tag !== "Stream"
    })
    const slicing: Slicing = { size: minSliceBytes, firstPulledAt: undefined, pulledAt: undefined, bytesPulled: 0 }
    const idleMillis = Duration.toMillis(idleTimeout)
    // No answer (a transport error, an idle timeout): the link may have changed, so whatever is sent
    // next, this request again included, is cut into pieces until an answer shows the speed again.
    const noAnswer = (reason: string, timedOut: boolean, cause?: unknown): NetworkError => {
      speed.bytesPerMilli = 0
      return networkError(ctx, reason, timedOut, cause)
    }
    const send = Effect.gen(function*() {
      const response = yield* client.execute(watchedBody(request, activity, clock, idleMillis, speed, slicing)).pipe(
        Effect.mapError((error) => noAnswer(describeHttpClientError(error), false, transportCause(error)))
      )
      const text = yield* response.text.pipe(
        Effect.mapError((error) =>
          noAnswer(`the answer was cut off: ${describeHttpClientError(error)}`, false, transportCause(error))
        )
      )
      const receivedAt = clock.currentTimeMillisUnsafe()
      const rateLimit = rateLimitFromHeaders(response.headers)
      if (response.status >= 200 && response.status < 300) {
        const { bytesPulled, firstPulledAt } = slicing
        if (firstPulledAt !== undefined) speed.bytesPerMilli = bytesPulled / Math.max(1, receivedAt - firstPulledAt)
        const answer: Answer = { status: response.status, text, receivedAt, rateLimit }
        return answer
      }
      const retryAfter = retryAfterOf(response.headers["retry-after"], receivedAt)
      return yield* Effect.fail(failureOf(ctx, response.status, text, receivedAt, rateLimit, retryAfter))
    })
    // Wakes when the idle time since the last progress would be up, and fails if nothing moved since.
    const watchdog: Effect.Effect<never, NetworkError> = Effect.gen(function*() {
      for (;;) {
        const last = MutableRef.get(activity)
        const now = clock.currentTimeMillisUnsafe()
        if (now - last.at >= idleMillis) {
          const idle = secondsText(idleMillis)
          return yield* noAnswer(
            last.bodySent
              ? `no answer came within ${idle} after the request was sent`
              : `no byte of the request moved for ${idle}`,
            true
          )
        }
        yield* Effect.sleep(Duration.millis(last.at + idleMillis - now))
      }
    })
    return yield* Effect.raceFirst(send, watchdog)
  })

/**
 * Parses a 2xx answer's JSON and decodes it; anything unreadable (truncated JSON, an HTML page,
 * wrong types, a missing id) becomes MalformedResponse with the endpoint and a body excerpt.
 */
export const decodeAnswer = <A, R = never>(
  answer: Answer,
  ctx: Pick<ExchangeContext, "step" | "endpoint">,
  decode: (json: unknown) => Effect.Effect<A, Schema.SchemaError, R>
): Effect.Effect<A, MalformedResponse, R> => {
  const malformed = (problem: string, cause: unknown) =>
    new MalformedResponse({
      step: ctx.step,
      endpoint: ctx.endpoint,
      status: answer.status,
      problem,
      bodyExcerpt: excerpt(answer.text),
      cause
    })
  let json: unknown
  try {
    json = JSON.parse(answer.text)
  } catch (error) {
    return Effect.fail(malformed(answer.text.trim().length === 0 ? "the body is empty" : "the body is not JSON", error))
  }
  return decode(json).pipe(Effect.mapError((error) => malformed(error.message, error)))
}
