/**
 * The protocol steps of X's media upload as one Effect service: INIT, APPEND, FINALIZE, STATUS,
 * waiting for processing, and alt text, in either dialect. It is built on `XClient`, which holds
 * the credentials, the host and the request policy; the transport (fetch, undici, a test client)
 * is the `HttpClient` layer under that.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type { Dialect } from "./Dialect.ts"
import {
  MediaExpired,
  type ProcessingFailed,
  type ProcessingTimeout,
  type UploadStep,
  type XRequestError
} from "./Errors.ts"
import { type Answer, decodeAnswer, type ExchangeContext } from "./internal/Exchange.ts"
import { forDialect } from "./internal/Protocol.ts"
import { fnWhileTracing } from "./internal/Tracing.ts"
import type { MediaId } from "./MediaId.ts"
import { expiresAtOf, type MediaStatus, type Ready, toMediaStatus } from "./MediaStatus.ts"
import { awaitReady, type PollOptions } from "./Polling.ts"
import { XClient } from "./XClient.ts"

/**
 * Parameters of INIT.
 *
 * @since 0.2.0
 * @category models
 */
export interface InitParams {
  readonly totalBytes: number
  readonly mediaType: string
  readonly mediaCategory?: string | undefined
  /** User ids (digits) allowed to use the media besides the uploader (at most 100). */
  readonly additionalOwners?: ReadonlyArray<string> | undefined
  /** DM media only: lets the id be reused in several DMs. */
  readonly shared?: boolean | undefined
}

/**
 * Parameters of a one-shot upload (the whole media in one request): the category, which X requires
 * there, and who else may use the media. The size and type come from the bytes themselves.
 *
 * @since 0.2.0
 * @category models
 */
export interface OneShotParams {
  readonly mediaCategory: string
  /** User ids (digits) allowed to use the media besides the uploader (at most 100). */
  readonly additionalOwners?: ReadonlyArray<string> | undefined
  /** DM media only: lets the id be reused in several DMs. */
  readonly shared?: boolean | undefined
}

/**
 * Options of {@link MediaClientShape.oneShot}.
 *
 * @since 0.2.0
 * @category models
 */
export interface OneShotOptions {
  /**
   * The longest to wait for the endpoint's rate limit (500 requests per 15 minutes, against 1,875 for
   * each chunked step); the client's `maxRateLimitWait` when absent. `Duration.zero` never waits: a
   * used-up window fails at once with `RateLimited`.
   */
  readonly maxRateLimitWait?: Duration.Duration | undefined
}

/**
 * What INIT gave: the new media id, its key, and until when the upload must be finished.
 *
 * @since 0.2.0
 * @category models
 */
export interface UploadStart {
  readonly mediaId: MediaId
  readonly mediaKey?: string | undefined
  readonly expiresAt: Date
}

/**
 * A media id with its known expiry; STATUS on it after `expiresAt` fails without a request.
 *
 * @since 0.2.0
 * @category models
 */
export interface MediaRef {
  readonly mediaId: MediaId
  readonly expiresAt?: Date | undefined
}

/**
 * The operations of {@link MediaClient}.
 *
 * @since 0.2.0
 * @category models
 */
export interface MediaClientShape {
  /** The dialect the client speaks. */
  readonly dialect: Dialect
  /** The scheme://host[:port] requests go to. */
  readonly baseUrl: string
  /** How long a request may go without progress (the XClient's idle timeout). */
  readonly idleTimeout: Duration.Duration
  /** INIT: opens an upload session. */
  readonly initialize: (params: InitParams) => Effect.Effect<UploadStart, XRequestError>
  /**
   * APPEND one segment (`segmentIndex` 0..999). Fails with MediaExpired, without a request, when
   * the session's known expiry has passed.
   */
  readonly append: (
    media: MediaRef,
    segmentIndex: number,
    bytes: Uint8Array
  ) => Effect.Effect<void, XRequestError>
  /**
   * The whole media in one request, without INIT, APPEND and FINALIZE: v2's one-shot
   * `POST /2/media/upload` (images and subtitles), v1.1's simple upload (images). X answers as
   * FINALIZE does: Ready, or Processing; ProcessingFailed when X says it failed.
   */
  readonly oneShot: (
    params: OneShotParams,
    bytes: Uint8Array,
    options?: OneShotOptions
  ) => Effect.Effect<MediaStatus, XRequestError | ProcessingFailed>
  /** FINALIZE: Ready, or Processing when X processes the media; ProcessingFailed when X says it failed. */
  readonly finalize: (media: MediaId | MediaRef) => Effect.Effect<MediaStatus, XRequestError | ProcessingFailed>
  /**
   * STATUS: asks once. Fails with MediaExpired without a request when the id is known to have
   * expired (from an earlier answer of this client, or `expiresAt` given).
   */
  readonly status: (media: MediaId | MediaRef) => Effect.Effect<MediaStatus, XRequestError | ProcessingFailed>
  /** Polls STATUS as X's `check_after_secs` says until Ready (see Polling.awaitReady). */
  readonly awaitReady: (
    status: MediaStatus,
    options?: PollOptions
  ) => Effect.Effect<Ready, XRequestError | ProcessingFailed | ProcessingTimeout>
  /** FINALIZE, then wait until Ready: the seed's whole flow. */
  readonly finalizeAndAwait: (
    media: MediaId | MediaRef,
    options?: PollOptions
  ) => Effect.Effect<Ready, XRequestError | ProcessingFailed | ProcessingTimeout>
  /** Sets alt text (v1.1 media/metadata/create, v2 POST /2/media/metadata). */
  readonly setAltText: (mediaId: MediaId, text: string) => Effect.Effect<void, XRequestError>
}

/**
 * The protocol steps of X's media upload, for the dialect and host of the XClient it is built on.
 *
 * @since 0.2.0
 * @category services
 */
export class MediaClient extends Context.Service<MediaClient, MediaClientShape>()("@x-media/core/MediaClient") {}

/** How many media ids a client remembers the expiry of (the most recent ones). */
const rememberedExpiries = 1000

const refOf = (media: MediaId | MediaRef): MediaRef => (typeof media === "string" ? { mediaId: media } : media)

/**
 * Builds the client on the {@link XClient} in the context, in its dialect and on its media host:
 * transient failures are retried, rate limits waited out, and every request is authorized there.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*() {
  const x = yield* XClient
  const dialect = x.dialect
  const protocol = forDialect(dialect)
  // Expiries learned from X's answers, for ids given without one: the most recent ones only.
  const expiries = yield* Ref.make<ReadonlyMap<string, Date>>(new Map())

  const remember = (mediaId: MediaId, expiresAt: Date) =>
    Ref.update(expiries, (known) => {
      const next = new Map(known)
      next.delete(mediaId)
      next.set(mediaId, expiresAt)
      for (const oldest of next.keys()) {
        if (next.size <= rememberedExpiries) break
        next.delete(oldest)
      }
      return next
    })
  const knownExpiry = (media: MediaRef): Effect.Effect<Date | undefined> =>
    media.expiresAt !== undefined
      ? Effect.succeed(media.expiresAt)
      : Effect.map(Ref.get(expiries), (known) => known.get(media.mediaId))

  const context = (step: UploadStep, media?: MediaRef, segmentIndex?: number): Effect.Effect<ExchangeContext> =>
    Effect.map(media === undefined ? Effect.succeed(undefined) : knownExpiry(media), (expiresAt) => ({
      step,
      endpoint: protocol.endpoint(step),
      dialect,
      ...(media === undefined ? {} : { mediaId: media.mediaId, expiresAt }),
      ...(segmentIndex === undefined ? {} : { segmentIndex })
    }))

  /** Fails with MediaExpired, before any request, when the media is known to have expired. */
  const ensureNotExpired = (ctx: ExchangeContext) =>
    Effect.gen(function*() {
      const { expiresAt, mediaId } = ctx
      if (expiresAt === undefined || mediaId === undefined) return
      const now = yield* Clock.currentTimeMillis
      if (now >= expiresAt.getTime()) {
        return yield* new MediaExpired({ mediaId, expiresAt, step: ctx.step })
      }
    })

  const send = (
    ctx: ExchangeContext,
    request: HttpClientRequest.HttpClientRequest,
    maxRateLimitWait?: Duration.Duration
  ): Effect.Effect<Answer, XRequestError> => x.execute({ ...ctx, request, host: "media", maxRateLimitWait })

  const mediaStatusOf = (ctx: ExchangeContext, answer: Answer) =>
    decodeAnswer(answer, ctx, protocol.decodeMedia).pipe(
      Effect.flatMap((report) => toMediaStatus(report, answer.receivedAt, ctx.expiresAt)),
      Effect.tap((status) => remember(status.mediaId, status.expiresAt))
    )

  const initialize = Effect.fn("x-media/MediaClient.initialize")(
    function*(params: InitParams) {
      const ctx = yield* context("INIT")
      const answer = yield* send(ctx, protocol.init(params))
      const report = yield* decodeAnswer(answer, ctx, protocol.decodeInit)
      const expiresAt = expiresAtOf(report, answer.receivedAt)
      yield* remember(report.mediaId, expiresAt)
      const start: UploadStart = {
        mediaId: report.mediaId,
        expiresAt,
        ...(report.mediaKey === undefined ? {} : { mediaKey: report.mediaKey })
      }
      yield* Effect.annotateCurrentSpan("x-media.media_id", start.mediaId)
      return start
    }
  )

  const appendBody = function*(media: MediaRef, segmentIndex: number, bytes: Uint8Array) {
    yield* Effect.annotateCurrentSpan({
      "x-media.media_id": media.mediaId,
      "x-media.segment_index": segmentIndex,
      "x-media.segment_bytes": bytes.byteLength
    })
    const ctx = yield* context("APPEND", media, segmentIndex)
    yield* ensureNotExpired(ctx)
    yield* send(ctx, protocol.append(media.mediaId, segmentIndex, bytes))
  }
  // Once per segment: its span only while tracing is on (internal/Tracing).
  const append = fnWhileTracing(Effect.fn("x-media/MediaClient.append")(appendBody), Effect.fnUntraced(appendBody))

  const oneShot = Effect.fn("x-media/MediaClient.oneShot")(
    function*(params: OneShotParams, bytes: Uint8Array, options?: OneShotOptions) {
      yield* Effect.annotateCurrentSpan("x-media.media_bytes", bytes.byteLength)
      const ctx = yield* context("UPLOAD")
      const answer = yield* send(ctx, protocol.upload(params, bytes), options?.maxRateLimitWait)
      const status = yield* mediaStatusOf(ctx, answer)
      yield* Effect.annotateCurrentSpan({
        "x-media.media_id": status.mediaId,
        "x-media.state": status._tag === "Ready" ? "succeeded" : status.state
      })
      return status
    }
  )

  /** FINALIZE or STATUS: both answer with the media's status. */
  const askStatus = (step: "FINALIZE" | "STATUS") =>
    Effect.fn(step === "FINALIZE" ? "x-media/MediaClient.finalize" : "x-media/MediaClient.status")(function*(
      input: MediaId | MediaRef
    ) {
      const media = refOf(input)
      yield* Effect.annotateCurrentSpan("x-media.media_id", media.mediaId)
      const ctx = yield* context(step, media)
      yield* ensureNotExpired(ctx)
      const request = step === "FINALIZE" ? protocol.finalize(media.mediaId) : protocol.status(media.mediaId)
      const answer = yield* send(ctx, request)
      const status = yield* mediaStatusOf(ctx, answer)
      yield* Effect.annotateCurrentSpan("x-media.state", status._tag === "Ready" ? "succeeded" : status.state)
      return status
    })
  const finalize = askStatus("FINALIZE")
  const status = askStatus("STATUS")

  const awaitReadyOf = (initial: MediaStatus, pollOptions?: PollOptions) =>
    awaitReady(initial, (previous) => status({ mediaId: previous.mediaId, expiresAt: previous.expiresAt }), pollOptions)
      .pipe(
        Effect.withSpan("x-media/MediaClient.awaitReady", { attributes: { "x-media.media_id": initial.mediaId } })
      )

  const setAltText = Effect.fn("x-media/MediaClient.setAltText")(function*(mediaId: MediaId, text: string) {
    yield* Effect.annotateCurrentSpan("x-media.media_id", mediaId)
    yield* send(yield* context("METADATA", { mediaId }), protocol.metadata(mediaId, text))
  })

  return MediaClient.of({
    dialect,
    baseUrl: x.baseUrl,
    idleTimeout: x.idleTimeout,
    initialize,
    append,
    oneShot,
    finalize,
    status,
    awaitReady: awaitReadyOf,
    finalizeAndAwait: (media, pollOptions) => Effect.flatMap(finalize(media), (s) => awaitReadyOf(s, pollOptions)),
    setAltText
  })
})

/**
 * The MediaClient layer, built on the {@link XClient} in the context (which holds the dialect,
 * the host, the credentials and the request policy).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<MediaClient, never, XClient> = Layer.effect(MediaClient, make())
