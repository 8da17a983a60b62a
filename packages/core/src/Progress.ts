/**
 * Progress events of an upload, covering every phase: checks, INIT, each segment, FINALIZE, X's
 * processing, retries and waits. The CLI's progress bar is built on them.
 *
 * An upload's events go to the `onProgress` option of `Upload.upload` / `Upload.resume`; the
 * retries and rate-limit waits of the requests under it reach it through the context internally.
 * Requests outside an upload (a STATUS, metadata, subtitles, the post itself) report their retries
 * and rate-limit waits to the listener {@link withListener} gives around them, so a program can say
 * why it is waiting; without one they are debug log lines and span attributes only.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { UploadStep } from "./Errors.ts"
import { CurrentProgressListener, GivenProgressListener } from "./internal/ProgressChannel.ts"
import * as Seconds from "./internal/Seconds.ts"
import type { MediaCategory } from "./MediaCategory.ts"
import type { MediaId } from "./MediaId.ts"
import type { MediaStatus } from "./MediaStatus.ts"
import type { MediaType } from "./MediaType.ts"

/**
 * One thing that happened during an upload.
 *
 * @since 0.2.0
 * @category models
 */
export type UploadEvent = Data.TaggedEnum<{
  /**
   * Pre-flight checks passed; nothing has been sent yet. `oneRequest`: the media goes in X's one
   * request (`UploadOptions.oneShot`); otherwise, and if X does not take it that way
   * (`ChunkedInstead`), in `segmentCount` segments of `chunkSize` bytes.
   */
  Planned: {
    readonly source: string
    readonly totalBytes: number
    readonly mediaType: MediaType
    readonly category: MediaCategory
    readonly chunkSize: number
    readonly segmentCount: number
    readonly oneRequest: boolean
  }
  /**
   * X did not take the media in its one request (why: `reason`), so it goes in chunks, with the
   * bytes already read: `segmentCount` segments of `chunkSize` bytes, at most `concurrency` in
   * flight (fewer and smaller than planned when the one request timed out: the link is slow).
   */
  ChunkedInstead: {
    readonly reason: string
    readonly chunkSize: number
    readonly segmentCount: number
    readonly concurrency: number
  }
  /** INIT answered (or a saved session was resumed). */
  Initialized: {
    readonly mediaId: MediaId
    readonly expiresAt: Date
    readonly resumed: boolean
    /** Bytes already on X's side from an earlier attempt (0 for a new upload). */
    readonly bytesAlreadySent: number
    /** A resumed session was finalized already: what is left is X's processing. */
    readonly finalized?: boolean | undefined
  }
  /** One APPEND completed. `bytesSent` counts every byte X has, of `totalBytes`. */
  SegmentSent: {
    readonly mediaId: MediaId
    readonly segmentIndex: number
    readonly segmentBytes: number
    readonly bytesSent: number
    readonly totalBytes: number
    readonly segmentsSent: number
    readonly segmentCount: number
  }
  /**
   * A request failed transiently and will be sent again after `delayMillis`: that will be attempt
   * `attempt` of at most `maxAttempts` ("attempt 2 of 5").
   */
  Retrying: {
    readonly step: UploadStep
    readonly segmentIndex?: number | undefined
    readonly attempt: number
    readonly maxAttempts: number
    readonly delayMillis: number
    readonly reason: string
  }
  /**
   * APPENDs timed out, so the upload slowed down: from now on at most `concurrency` segments are in
   * flight, and segments not sent yet are cut to `chunkSize` bytes (segments already sent keep
   * their size). `segmentIndex` got no answer within `idleTimeoutMillis` (it waited
   * `waitedMillis`); it is sent again. `timeoutsInARow` of `maxTimeoutsInARow` before the upload
   * gives up with UploadStalled.
   */
  Adapted: {
    readonly reason: "timedOut"
    readonly mediaId: MediaId
    readonly segmentIndex: number
    readonly waitedMillis: number
    readonly idleTimeoutMillis: number
    readonly concurrency: number
    readonly chunkSize: number
    readonly timeoutsInARow: number
    readonly maxTimeoutsInARow: number
  }
  /** X's rate limit (a 429, `Retry-After`, a used-up window, the budget) holds the request until `until`. */
  RateLimitWait: {
    readonly step: UploadStep
    readonly until: Date
  }
  /** FINALIZE answered. */
  Finalized: {
    readonly status: MediaStatus
  }
  /** A processing answer (FINALIZE's or a STATUS): state and progress_percent. */
  ProcessingUpdate: {
    readonly mediaId: MediaId
    readonly state: string
    readonly progressPercent?: number | undefined
    readonly checkAfterSecs?: number | undefined
  }
  /** Alt text was set. */
  AltTextSet: {
    readonly mediaId: MediaId
  }
  /** The media is ready to post. */
  Ready: {
    readonly mediaId: MediaId
    readonly expiresAt: Date
  }
}>

/**
 * Constructors and `$match` for {@link UploadEvent}.
 *
 * @since 0.2.0
 * @category models
 */
export const UploadEvent = Data.taggedEnum<UploadEvent>()

/**
 * A duration of an event (`idleTimeoutMillis`, `waitedMillis`, `delayMillis`) as x-media's own messages
 * and errors say it: seconds, with up to two decimals under 10 s (`0.5 s`, `60 s`), the unit the
 * options and flags (`idleTimeout`, `--timeout`) take.
 *
 * @since 0.3.0
 * @category formatting
 */
export const secondsText: (millis: number) => string = Seconds.secondsText

/**
 * Receives progress events; it should be quick (it runs on the upload's fibers).
 *
 * @since 0.2.0
 * @category models
 */
export type ProgressListener = (event: UploadEvent) => Effect.Effect<void>

/**
 * Runs `self` with `listener` receiving the `Retrying` and `RateLimitWait` events of the X requests
 * in it that are not part of an upload with its own `onProgress` (an upload without one reports all
 * its events here too): e.g. to say that `Post.create` waits for X's rate limit.
 *
 * @since 0.3.0
 * @category combinators
 */
export const withListener: {
  (listener: ProgressListener): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, listener: ProgressListener): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, listener: ProgressListener): Effect.Effect<A, E, R> =>
    self.pipe(
      Effect.provideService(CurrentProgressListener, listener),
      Effect.provideService(GivenProgressListener, listener)
    )
)
