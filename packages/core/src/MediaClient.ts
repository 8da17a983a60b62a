/**
 * The protocol steps of X's media upload as one Effect service: INIT, APPEND, FINALIZE, STATUS,
 * waiting for processing, and alt text, in either dialect. It needs only an `HttpClient`, so the
 * transport (fetch, undici, a test client) and the authentication middleware are layers.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as HttpClient from "effect/http/HttpClient"
import { defaultBaseUrl, defaultDialect, Dialect } from "./Dialect.ts"
import {
  InvalidOption,
  MediaExpired,
  type ProcessingFailed,
  type ProcessingTimeout,
  type UploadStep,
  type XRequestError
} from "./Errors.ts"
import { type Answer, decodeAnswer, exchange, type ExchangeContext } from "./Exchange.ts"
import type { MediaId } from "./MediaId.ts"
import { type MediaStatus, type Ready, toMediaStatus } from "./MediaStatus.ts"
import { awaitReady, type PollOptions } from "./Polling.ts"
import { forDialect, type InitParams } from "./Protocol.ts"
import type { RateLimitInfo } from "./RateLimit.ts"
import { type BudgetOptions, makeRequestPolicy, type RetryOptions } from "./RequestPolicy.ts"

/** What INIT gave: the new media id, its key, and until when the upload must be finished. */
export interface UploadStart {
  readonly mediaId: MediaId
  readonly mediaKey?: string | undefined
  readonly expiresAt: Date
}

/** A media id with its known expiry; STATUS on it after `expiresAt` fails without a request. */
export interface MediaRef {
  readonly mediaId: MediaId
  readonly expiresAt?: Date | undefined
}

/** What the client observes of each answer (for rate-limit tracking and diagnostics). */
export interface AnswerObserver {
  (step: UploadStep, answer: { readonly status: number; readonly rateLimit: Option.Option<RateLimitInfo> }): Effect.Effect<void>
}

/** The operations of {@link MediaClient}. */
export interface MediaClientShape {
  /** The dialect the client speaks. */
  readonly dialect: Dialect
  /** The scheme://host[:port] requests go to. */
  readonly baseUrl: string
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

/** The protocol steps of X's media upload, for one dialect and base URL. Requires an HttpClient. */
export class MediaClient extends Context.Service<MediaClient, MediaClientShape>()("@x-media/core/MediaClient") {}

/** How a MediaClient talks to X. */
export interface MediaClientOptions {
  /** `v2` (default) or `v1`. */
  readonly dialect?: Dialect | undefined
  /** scheme://host[:port] replacing the dialect's default host (the emulator's URL, for example). */
  readonly baseUrl?: string | undefined
  /** Each request must complete within this, else NetworkError with `timedOut` (default 60 s). */
  readonly requestTimeout?: Duration.Input | undefined
  /** Sees every answer's status and rate-limit headers. */
  readonly onAnswer?: AnswerObserver | undefined
  /** Retries of transient failures and waiting out rate limits (see RequestPolicy). */
  readonly retry?: RetryOptions | undefined
  /** The client-side rate budget per step (X's per-user limits by default; `false` for none). */
  readonly budget?: BudgetOptions | undefined
}

/** Default time limit of one request. */
export const defaultRequestTimeout = Duration.seconds(60)

const refOf = (media: MediaId | MediaRef): MediaRef => (typeof media === "string" ? { mediaId: media } : media)

/** Checks a base URL: http(s), no path, query or credentials. Fails with InvalidOption. */
export const validateBaseUrl = (raw: string): Effect.Effect<string, InvalidOption> => {
  const invalid = (detail: string) => Effect.fail(new InvalidOption({ option: "base URL", value: raw, detail }))
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return invalid("not a URL; expected scheme://host[:port], e.g. http://127.0.0.1:8080")
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return invalid("the scheme must be http or https")
  if (url.username !== "" || url.password !== "") return invalid("credentials do not belong in the URL")
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return invalid("give only scheme://host[:port], without a path or query")
  }
  return Effect.succeed(`${url.protocol}//${url.host}`)
}

/**
 * Builds the client. Transient failures (no answer, 5xx) are retried with backoff, a 429 is waited
 * out up to a maximum, and each step's rate budget is tracked (see RequestPolicy). Fails with
 * InvalidOption for a malformed base URL or timeout.
 */
export const make = Effect.fnUntraced(function*(options: MediaClientOptions = {}) {
  const client = yield* HttpClient.HttpClient
  const dialect = options.dialect ?? defaultDialect
  const protocol = forDialect(dialect)
  const baseUrl = yield* validateBaseUrl(options.baseUrl ?? defaultBaseUrl[dialect])
  const requestTimeout = Duration.fromInput(options.requestTimeout ?? defaultRequestTimeout)
  if (Option.isNone(requestTimeout) || Duration.toMillis(requestTimeout.value) <= 0) {
    return yield* new InvalidOption({
      option: "request timeout",
      value: String(options.requestTimeout),
      detail: "must be a positive duration"
    })
  }
  const onAnswer = options.onAnswer ?? (() => Effect.void)
  const policy = yield* makeRequestPolicy(`${dialect} ${baseUrl}`, options.retry, options.budget)
  const expiries = new Map<string, Date>()

  const remember = (mediaId: MediaId, expiresAt: Date) => {
    expiries.set(mediaId, expiresAt)
  }
  const knownExpiry = (media: MediaRef): Date | undefined => media.expiresAt ?? expiries.get(media.mediaId)

  const context = (step: UploadStep, media?: MediaRef, segmentIndex?: number): ExchangeContext => ({
    step,
    endpoint: protocol.endpoint(step),
    dialect,
    ...(media === undefined ? {} : { mediaId: media.mediaId, expiresAt: knownExpiry(media) }),
    ...(segmentIndex === undefined ? {} : { segmentIndex })
  })

  const ensureNotExpired = (media: MediaRef, step: UploadStep) =>
    Effect.gen(function*() {
      const expiresAt = knownExpiry(media)
      if (expiresAt === undefined) return
      const now = yield* Clock.currentTimeMillis
      if (now >= expiresAt.getTime()) {
        return yield* new MediaExpired({ mediaId: media.mediaId, expiresAt, step })
      }
    })

  const send = (ctx: ExchangeContext, request: Parameters<typeof exchange>[2]): Effect.Effect<Answer, XRequestError> =>
    policy.run(
      ctx.step,
      ctx.segmentIndex,
      exchange(client, baseUrl, request, ctx, requestTimeout.value).pipe(
        Effect.tap((answer) => onAnswer(ctx.step, answer)),
        Effect.tapError((error) =>
          "status" in error && typeof error.status === "number"
            ? onAnswer(ctx.step, { status: error.status, rateLimit: Option.none() })
            : Effect.void
        )
      )
    )

  const mediaStatusOf = (ctx: ExchangeContext, media: MediaRef, answer: Answer) =>
    decodeAnswer(answer, ctx, protocol.decodeMedia).pipe(
      Effect.flatMap((report) => toMediaStatus(report, answer.receivedAt, knownExpiry(media))),
      Effect.tap((status) => Effect.sync(() => remember(status.mediaId, status.expiresAt)))
    )

  const initialize = (params: InitParams) =>
    Effect.gen(function*() {
      const ctx = context("INIT")
      const answer = yield* send(ctx, protocol.init(params))
      const report = yield* decodeAnswer(answer, ctx, protocol.decodeInit)
      const expiresAt = new Date(answer.receivedAt + (report.expiresAfterSecs ?? 86_400) * 1000)
      remember(report.mediaId, expiresAt)
      const start: UploadStart = {
        mediaId: report.mediaId,
        expiresAt,
        ...(report.mediaKey === undefined ? {} : { mediaKey: report.mediaKey })
      }
      return start
    })

  const append = (media: MediaRef, segmentIndex: number, bytes: Uint8Array) =>
    Effect.gen(function*() {
      yield* ensureNotExpired(media, "APPEND")
      yield* send(context("APPEND", media, segmentIndex), protocol.append(media.mediaId, segmentIndex, bytes))
    })

  /** FINALIZE or STATUS: both answer with the media's status. */
  const askStatus = (step: "FINALIZE" | "STATUS") => (input: MediaId | MediaRef) =>
    Effect.gen(function*() {
      const media = refOf(input)
      yield* ensureNotExpired(media, step)
      const ctx = context(step, media)
      const request = step === "FINALIZE" ? protocol.finalize(media.mediaId) : protocol.status(media.mediaId)
      const answer = yield* send(ctx, request)
      return yield* mediaStatusOf(ctx, media, answer)
    })
  const finalize = askStatus("FINALIZE")
  const status = askStatus("STATUS")

  const awaitReadyOf = (initial: MediaStatus, pollOptions?: PollOptions) =>
    awaitReady(initial, (previous) => status({ mediaId: previous.mediaId, expiresAt: previous.expiresAt }), pollOptions)

  return MediaClient.of({
    dialect,
    baseUrl,
    initialize,
    append,
    finalize,
    status,
    awaitReady: awaitReadyOf,
    finalizeAndAwait: (media, pollOptions) => Effect.flatMap(finalize(media), (s) => awaitReadyOf(s, pollOptions)),
    setAltText: (mediaId, text) =>
      send(context("METADATA", { mediaId }), protocol.metadata(mediaId, text)).pipe(Effect.asVoid)
  })
})

/** A MediaClient layer with the given options. Fails with InvalidOption for a malformed base URL. */
export const layer = (options: MediaClientOptions = {}): Layer.Layer<MediaClient, InvalidOption, HttpClient.HttpClient> =>
  Layer.effect(MediaClient, make(options))

/** Reads one environment variable; blank counts as absent. */
const variable = (name: string): Effect.Effect<string | undefined, InvalidOption> =>
  Config.option(Config.String(name)).pipe(
    Effect.map((value) => Option.getOrUndefined(Option.filter(value, (v) => v.trim() !== ""))?.trim()),
    Effect.mapError(() => new InvalidOption({ option: name, value: "", detail: "could not be read" }))
  )

/**
 * The dialect and base URL from the environment, `X_MEDIA_API` (`v1` | `v2`) and
 * `X_MEDIA_BASE_URL`, for whichever of the two `overrides` does not set: a variable that an
 * explicit value replaces is not read, so a malformed one cannot block it. The result holds the
 * overrides with the environment's values filled in. An invalid value fails with InvalidOption.
 */
export const optionsFromConfig = (
  overrides: MediaClientOptions = {}
): Effect.Effect<MediaClientOptions, InvalidOption> =>
  Effect.gen(function*() {
    let dialect = overrides.dialect
    if (dialect === undefined) {
      const api = yield* variable("X_MEDIA_API")
      if (api !== undefined) {
        if (api !== "v1" && api !== "v2") {
          return yield* new InvalidOption({ option: "X_MEDIA_API", value: api, detail: "must be v1 or v2" })
        }
        dialect = api
      }
    }
    const baseUrl = overrides.baseUrl ?? (yield* variable("X_MEDIA_BASE_URL"))
    return {
      ...overrides,
      ...(dialect === undefined ? {} : { dialect }),
      ...(baseUrl === undefined ? {} : { baseUrl })
    }
  })

/**
 * A MediaClient layer configured from `X_MEDIA_API` and `X_MEDIA_BASE_URL`, with `overrides` on top
 * (an override that is set wins, and its variable is not read).
 */
export const layerConfig = (
  overrides: MediaClientOptions = {}
): Layer.Layer<MediaClient, InvalidOption, HttpClient.HttpClient> =>
  Layer.effect(MediaClient, Effect.flatMap(optionsFromConfig(overrides), make))
