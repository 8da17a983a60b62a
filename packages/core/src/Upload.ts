/**
 * The whole upload in one call: pre-flight checks, INIT, streamed APPENDs with bounded
 * concurrency, FINALIZE, waiting for processing, and alt text. Also resumes a saved session.
 *
 * @since 0.2.0
 */
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Order from "effect/Order"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { Dialect } from "./Dialect.ts"
import {
  DeadlineExceeded,
  EmptyMedia,
  InvalidOption,
  MediaExpired,
  MediaSourceError,
  type NetworkError,
  type PreflightError,
  type ProcessingFailed,
  type ProcessingTimeout,
  UploadStalled,
  type XRequestError
} from "./Errors.ts"
import * as Pacing from "./internal/Pacing.ts"
import { CurrentProgressListener, GivenProgressListener } from "./internal/ProgressChannel.ts"
import { rechunk } from "./internal/Rechunk.ts"
import { secondsText } from "./internal/Seconds.ts"
import { type ByteLimits, checkMedia, MediaCategory, resolveCategory } from "./MediaCategory.ts"
import { MediaClient } from "./MediaClient.ts"
import { MediaId } from "./MediaId.ts"
import { fromBytes, type MediaSource, type OpenedMedia, readsViews } from "./MediaSource.ts"
import type { MediaStatus } from "./MediaStatus.ts"
import { MediaType, resolveMediaType } from "./MediaType.ts"
import * as OneShot from "./OneShot.ts"
import { type ProgressListener, UploadEvent } from "./Progress.ts"
import * as SegmentPlans from "./SegmentPlan.ts"
import { planSegments, type SegmentPlan, type SegmentRange } from "./SegmentPlan.ts"
import { fingerprintOf, UploadSession } from "./UploadSession.ts"

/**
 * APPENDs in flight at once unless told otherwise (chosen by the benchmarks in bench/).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultConcurrency = 4

/**
 * The most APPENDs in flight that the library allows.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxConcurrency = 16

/**
 * How an upload runs. Every field is optional.
 *
 * @since 0.2.0
 * @category models
 */
export interface UploadOptions {
  /** The MIME type; sniffed from the bytes (then the file name) when absent. */
  readonly mediaType?: string | undefined
  /** The media category; chosen from the type when absent (tweet_image, tweet_gif, tweet_video). */
  readonly category?: string | undefined
  /** Alt text (images and GIFs, at most 1000 characters), set once the media is ready. */
  readonly altText?: string | undefined
  /** Segment size in bytes (default 4 MiB, at most 5 MiB; raised so no upload needs over 1000 segments). */
  readonly chunkSize?: number | undefined
  /** APPENDs in flight at once (default 4, 1 to 16). */
  readonly concurrency?: number | undefined
  /** Wait for X's processing to finish (default true). With false, the result may be pending. */
  readonly wait?: boolean | undefined
  /** The longest wait for processing (default 10 minutes). */
  readonly maxWait?: Duration.Input | undefined
  /** How long progress_percent may stay unchanged (default 5 minutes). */
  readonly stallTimeout?: Duration.Input | undefined
  /** User ids allowed to use the media besides the uploader. */
  readonly additionalOwners?: ReadonlyArray<string> | undefined
  /** DM media only: reusable in several DMs. */
  readonly shared?: boolean | undefined
  /**
   * Media that X takes in one request (images other than GIFs in both dialects, subtitles in v2, up
   * to 5 MiB, or up to `chunkSize` when one is given) goes as that one request (v2's one-shot upload,
   * v1.1's simple upload) instead of INIT, APPEND and FINALIZE (default true). It never waits for that
   * endpoint's limit (500 per 15 minutes): when the limit is used up, when X answers it with an error
   * or in a shape not expected, and when the link is too slow for it (after one idle timeout, at the
   * slower pace a timeout sets), the same bytes are uploaded in chunks (event `ChunkedInstead`).
   * `false` always uploads in chunks.
   */
  readonly oneShot?: boolean | undefined
  /** The whole upload, processing included, must finish within this, else DeadlineExceeded. */
  readonly deadline?: Duration.Input | undefined
  /** Receives progress events (without it, the listener `Progress.withListener` gave, if any). */
  readonly onProgress?: ProgressListener | undefined
  /** Receives the session after INIT and after every segment, to save it for resuming. */
  readonly onSession?: ((session: UploadSession) => Effect.Effect<void>) | undefined
  /** Limits to enforce instead of X's (for emulators with scaled-down limits). */
  readonly limits?: {
    readonly bytes?: Partial<ByteLimits> | undefined
    readonly maxChunkBytes?: number | undefined
    readonly maxSegments?: number | undefined
  } | undefined
}

/**
 * The uploaded media: ready to post unless the upload was told not to wait.
 *
 * @since 0.2.0
 * @category models
 */
export class UploadedMedia extends Schema.Class<UploadedMedia>("UploadedMedia")({
  mediaId: MediaId,
  mediaKey: Schema.optionalKey(Schema.String),
  mediaType: MediaType,
  category: MediaCategory,
  size: Schema.Int,
  expiresAt: Schema.Date,
  /** `succeeded` when ready; otherwise the processing state X last reported. */
  state: Schema.String
}) {}

/**
 * Everything an upload can fail with.
 *
 * @since 0.2.0
 * @category errors
 */
export type UploadError =
  | PreflightError
  | XRequestError
  | ProcessingFailed
  | ProcessingTimeout
  | DeadlineExceeded
  | UploadStalled

const validateConcurrency = (value: number | undefined): Effect.Effect<number, InvalidOption> => {
  const concurrency = value ?? defaultConcurrency
  return Number.isSafeInteger(concurrency) && concurrency >= 1 && concurrency <= maxConcurrency
    ? Effect.succeed(concurrency)
    : Effect.fail(
      new InvalidOption({
        option: "concurrency",
        value: String(value),
        detail: `must be a whole number from 1 to ${maxConcurrency}`
      })
    )
}

interface Prepared {
  readonly opened: OpenedMedia
  readonly mediaType: MediaType
  readonly category: MediaCategory
  readonly plan: SegmentPlan
  readonly concurrency: number
}

/** Every check that can be made before a request: source, type, category, size, alt text, chunking. */
const prepare = <R>(source: MediaSource<R>, options: UploadOptions) =>
  Effect.gen(function*() {
    const concurrency = yield* validateConcurrency(options.concurrency)
    const opened = yield* source.open
    if (opened.size === 0) return yield* new EmptyMedia({ source: source.name })
    const mediaType = yield* resolveMediaType({
      explicit: options.mediaType,
      head: opened.head,
      fileName: source.fileName,
      source: source.name
    })
    const category = yield* resolveCategory({ mediaType, requested: options.category })
    yield* checkMedia({
      source: source.name,
      size: opened.size,
      mediaType,
      category,
      altText: options.altText,
      limits: options.limits?.bytes
    })
    const plan = yield* planSegments({
      totalBytes: opened.size,
      chunkSize: options.chunkSize,
      maxChunkBytes: options.limits?.maxChunkBytes,
      maxSegments: options.limits?.maxSegments,
      source: source.name,
      category
    })
    const prepared: Prepared = { opened, mediaType, category, plan, concurrency }
    return prepared
  })

/** What X has of the upload so far, shared by the fibers sending segments. */
interface Progress {
  /** The session as last cut (its `segmentsDone` is stale: see `segmentsDone`). */
  readonly session: UploadSession
  /** The segments X has. Kept apart from `session`: building and checking a session per segment cost O(segments²) (bench/RESULTS.md). */
  readonly segmentsDone: ReadonlyArray<number>
  /** The segments as they are cut now (segments not sent yet may be re-cut smaller). */
  readonly plan: SegmentPlan
  readonly bytesSent: number
  /** The next segment to send for the first time: every one before it was sent or skipped. */
  readonly next: number
}

/** `sorted` with `value` inserted in order (a new array). */
const insertSorted = (sorted: ReadonlyArray<number>, value: number): ReadonlyArray<number> => {
  const at = sorted.findIndex((n) => n > value)
  return at === -1 ? [...sorted, value] : [...sorted.slice(0, at), value, ...sorted.slice(at)]
}

/** The chunk size of the run segment `index` belongs to. */
const chunkSizeAt = (plan: SegmentPlan, index: number): number => {
  let size = plan.chunkSize
  for (const run of plan.runs) if (run.from <= index) size = run.chunkSize
  return size
}

/**
 * Internal: APPENDs time out, X has none of the upload, and segments already cut are larger than
 * the link carries in time: the upload starts over under a new INIT with segments of `chunkSize`.
 */
class StartOver extends Data.TaggedError("StartOver")<{ readonly chunkSize: number }> {}

const maxSegmentsOf = (options: UploadOptions): number => options.limits?.maxSegments ?? SegmentPlans.maxSegments

/**
 * The pacing of an upload (internal/Pacing): it outlives a start-over, so the upload stays slowed down.
 * Segments can be cut smaller when the source has random access, or when the media goes in one
 * request first (`inMemory`): a chunked upload after it sends the bytes that request read.
 */
const makePacing = (prepared: Prepared, options: UploadOptions, inMemory = false) =>
  Pacing.make({
    concurrency: prepared.concurrency,
    chunkSize: prepared.plan.chunkSize,
    // Smaller chunks than this would need more segments than X allows.
    minChunkSize: Math.max(Pacing.floorChunkBytes, Math.ceil(prepared.plan.totalBytes / maxSegmentsOf(options))),
    canRecut: inMemory || prepared.opened.readAt !== undefined
  })

/** How one APPEND went: answered, or no answer within the idle time (it is sent again). */
type Attempt =
  | { readonly _tag: "Answered" }
  | {
    readonly _tag: "TimedOut"
    readonly slowdown: Pacing.Slowdown
    readonly waitedMillis: number
    readonly error: NetworkError
  }

const isIdleTimeout = (error: XRequestError): error is NetworkError => error._tag === "NetworkError" && error.timedOut

/**
 * Sends the segments X does not have yet and returns the final session.
 *
 * Each segment is one task: read it (into a buffer of its worker, for sources with random access),
 * APPEND it (retried on its own by the XClient), then record it. At most `concurrency` APPENDs are
 * in flight, fewer while the link is slow: an APPEND that gets no answer within the idle time is
 * sent again here, and the pacing (`internal/Pacing`) lowers the number in flight and cuts the
 * segments not sent yet smaller (sources with random access only), saving the new sizes in the
 * session. When X has none of the upload and a timed-out segment is larger than the new size, it
 * fails with StartOver instead (with `mayStartOver`): `upload` then begins again under a new INIT. What X has lives in one `SynchronizedRef`: recording a segment, its progress event and
 * the saved session happen under it, so sessions are saved in the order they grew. The first
 * failure interrupts the other tasks.
 */
const sendSegments = (
  prepared: Prepared,
  initial: UploadSession,
  options: UploadOptions,
  pacing: Pacing.Pacing,
  mayStartOver: boolean
): Effect.Effect<UploadSession, XRequestError | MediaSourceError | UploadStalled | StartOver, MediaClient> =>
  Effect.gen(function*() {
    const client = yield* MediaClient
    const emit = options.onProgress ?? (() => Effect.void)
    const onSession = options.onSession
    const save = onSession ?? (() => Effect.void)
    // A session with the segments X has is built (and checked) only where one is saved.
    const saveWith = (session: UploadSession, segmentsDone: ReadonlyArray<number>) =>
      onSession === undefined ? Effect.void : onSession(new UploadSession({ ...session, segmentsDone }))
    const { opened, plan: initialPlan } = prepared
    const media = { mediaId: initial.mediaId, expiresAt: initial.expiresAt }
    const progress = yield* SynchronizedRef.make<Progress>({
      session: initial,
      segmentsDone: initial.segmentsDone,
      plan: initialPlan,
      bytesSent: initial.segmentsDone.reduce((n, index) => n + initialPlan.segmentRange(index).length, 0),
      next: 0
    })
    const { readAt } = opened
    // What X had before this run: every segment sent in this run is below `next`, so these are the only
    // ones at or above it that are done.
    const alreadyDone = new Set(initial.segmentsDone)
    const maxSegments = maxSegmentsOf(options)
    const idleTimeoutMillis = Duration.toMillis(client.idleTimeout)

    const recordSent = (index: number, segmentBytes: number) =>
      SynchronizedRef.updateEffect(progress, (state) => {
        const segmentsDone = insertSorted(state.segmentsDone, index)
        const next: Progress = { ...state, segmentsDone, bytesSent: state.bytesSent + segmentBytes }
        const event = UploadEvent.SegmentSent({
          mediaId: initial.mediaId,
          segmentIndex: index,
          segmentBytes,
          bytesSent: next.bytesSent,
          totalBytes: state.plan.totalBytes,
          segmentsSent: segmentsDone.length,
          segmentCount: state.plan.segmentCount
        })
        return emit(event).pipe(Effect.andThen(saveWith(state.session, segmentsDone)), Effect.as(next))
      })

    /**
     * One APPEND in the window's turn it was given (`round`: the pace it started under). The pacing
     * hears how it went before the turn is given back, so the next one starts under the new pace.
     */
    const attempt = (index: number, bytes: Uint8Array, round: number): Effect.Effect<Attempt, XRequestError> =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        return yield* client.append(media, index, bytes).pipe(
          Effect.andThen(pacing.answered),
          Effect.as<Attempt>({ _tag: "Answered" }),
          Effect.catchIf(isIdleTimeout, (error) =>
            Effect.gen(function*() {
              const waitedMillis = (yield* Clock.currentTimeMillis) - started
              const slowdown = yield* pacing.timedOut(round)
              return { _tag: "TimedOut", slowdown, waitedMillis, error } satisfies Attempt
            }))
        )
      })

    /** Records an answered APPEND; after a timeout, slows down and sends the segment again until answered. */
    const settle = (
      index: number,
      bytes: Uint8Array,
      first: Attempt
    ): Effect.Effect<void, XRequestError | UploadStalled | StartOver> =>
      Effect.gen(function*() {
        let outcome = first
        while (outcome._tag === "TimedOut") {
          const { newRound, pace } = outcome.slowdown
          if (newRound) {
            yield* emit(UploadEvent.Adapted({
              reason: "timedOut",
              mediaId: initial.mediaId,
              segmentIndex: index,
              waitedMillis: outcome.waitedMillis,
              idleTimeoutMillis,
              concurrency: pace.concurrency,
              chunkSize: pace.chunkSize,
              timeoutsInARow: pace.timeoutsInARow,
              maxTimeoutsInARow: Pacing.maxTimeoutsInARow
            }))
            yield* Effect.logDebug(
              `x-media: segment ${index} got no answer within ${
                secondsText(idleTimeoutMillis)
              }; now ${pace.concurrency} in flight, new segments of ${pace.chunkSize} bytes`
            )
          }
          if (pace.timeoutsInARow < Pacing.maxTimeoutsInARow && mayStartOver && bytes.byteLength > pace.chunkSize) {
            // A segment cut before the slow-down is larger than the link now carries in time (this
            // one, or one that timed out in the same round); if X has none of the upload yet,
            // nothing is lost by starting over with smaller segments.
            const { segmentsDone } = yield* SynchronizedRef.get(progress)
            if (segmentsDone.length === 0) return yield* new StartOver({ chunkSize: pace.chunkSize })
          }
          if (pace.timeoutsInARow >= Pacing.maxTimeoutsInARow) {
            return yield* new UploadStalled({
              mediaId: initial.mediaId,
              segmentIndex: index,
              timeouts: pace.timeoutsInARow,
              idleTimeoutMillis,
              concurrency: pace.concurrency,
              chunkSize: pace.chunkSize,
              segmentBytes: bytes.byteLength,
              cause: outcome.error
            })
          }
          outcome = yield* pacing.withTurn(bytes.byteLength, (round) => attempt(index, bytes, round))
        }
        yield* recordSent(index, bytes.byteLength)
      })

    /** Sends a segment in its turn of the window, and again after each timeout, until answered. */
    const send = (index: number, bytes: Uint8Array) =>
      Effect.flatMap(
        pacing.withTurn(bytes.byteLength, (round) => attempt(index, bytes, round)),
        (first) => settle(index, bytes, first)
      )

    /**
     * The next segment to send for the first time, with its byte range, or undefined when every one
     * was taken. When the pace asks for smaller segments than the plan has from there on, and X has
     * none of them, they are re-cut first (and the session saved with the new sizes, before any of
     * them is sent, so a resume cuts them alike).
     */
    const takeNext = SynchronizedRef.modifyEffect(
      progress,
      (
        state
      ): Effect.Effect<readonly [{ readonly index: number; readonly range: SegmentRange } | undefined, Progress]> =>
        Effect.gen(function*() {
          let index = state.next
          while (index < state.plan.segmentCount && alreadyDone.has(index)) index++
          if (index >= state.plan.segmentCount) return [undefined, { ...state, next: index }] as const
          const pace = yield* pacing.current
          const range = state.plan.segmentRange(index)
          // segmentsDone is ascending: its last is the highest.
          const xHasLater = (state.segmentsDone.at(-1) ?? -1) > index
          const recutPlan =
            pace.chunkSize < chunkSizeAt(state.plan, index) && range.length > pace.chunkSize && !xHasLater
              ? SegmentPlans.recut(state.plan, index, pace.chunkSize)
              : undefined
          if (recutPlan === undefined || recutPlan.segmentCount > maxSegments) {
            return [{ index, range }, { ...state, next: index + 1 }] as const
          }
          const session = new UploadSession({
            ...state.session,
            segmentsDone: state.segmentsDone,
            version: 2,
            segmentRuns: recutPlan.runs,
            segmentCount: recutPlan.segmentCount
          })
          yield* save(session)
          return [{ index, range: recutPlan.segmentRange(index) }, {
            ...state,
            plan: recutPlan,
            session,
            next: index + 1
          }] as const
        })
    )

    if (readAt !== undefined) {
      // Random access: each worker takes the next segment, reads it into its own buffer (allocated
      // once, as large as the largest segment; none for bytes in memory, which are sent as views)
      // and sends it from there when the window has room. Memory is one chunk per worker, whatever
      // the garbage collector does.
      // As many workers as the window may grow to: segments re-cut smaller add to the work.
      const workers = prepared.concurrency
      const worker = Effect.gen(function*() {
        let buffer: Uint8Array | undefined
        for (;;) {
          const job = yield* takeNext
          if (job === undefined) return
          buffer ??= new Uint8Array(
            readsViews(opened) ? 0 : Math.min(initialPlan.chunkSize, initialPlan.totalBytes)
          )
          const bytes = yield* readAt(job.range.offset, job.range.length, buffer)
          yield* send(job.index, bytes)
        }
      })
      yield* Effect.all(Array.from({ length: workers }, () => worker), { concurrency: "unbounded", discard: true })
      if (opened.verify !== undefined) yield* opened.verify
    } else {
      // A stream is read once, in order: segments X already has are read and skipped. Its segments
      // keep the sizes they were planned with (a resumed session's sizes included).
      const produced = yield* Ref.make(0)
      const plan = initialPlan
      yield* opened.stream(plan.chunkSize).pipe(
        // A file smaller than a chunk needs no chunk-sized buffer.
        rechunk(
          plan.runs.length === 1
            ? Math.min(plan.chunkSize, plan.totalBytes)
            : (index: number) => (index < plan.segmentCount ? plan.segmentRange(index).length : plan.chunkSize)
        ),
        Stream.map((bytes, index) => [bytes, index] as const),
        Stream.tap(() => Ref.update(produced, (n) => n + 1)),
        Stream.filter(([, index]) => !alreadyDone.has(index)),
        Stream.mapEffect(
          ([bytes, index]) => send(index, bytes),
          { concurrency: prepared.concurrency, unordered: true }
        ),
        Stream.runDrain
      )
      const segments = yield* Ref.get(produced)
      if (segments !== plan.segmentCount) {
        return yield* new MediaSourceError({
          source: initial.source,
          reason: "changed",
          detail: `it gave ${segments} segments where ${plan.segmentCount} were planned; it changed during the upload.`
        })
      }
    }
    const { segmentsDone, session } = yield* SynchronizedRef.get(progress)
    return new UploadSession({ ...session, segmentsDone })
  })

/** FINALIZE (unless done already), then {@link finish}. */
const complete = (prepared: Prepared, session: UploadSession, options: UploadOptions) =>
  Effect.gen(function*() {
    const client = yield* MediaClient
    const emit = options.onProgress ?? (() => Effect.void)
    const ref = { mediaId: session.mediaId, expiresAt: session.expiresAt }
    const finalized = session.finalized ? yield* client.status(ref) : yield* client.finalize(ref)
    if (!session.finalized) {
      yield* emit(UploadEvent.Finalized({ status: finalized }))
      if (options.onSession !== undefined) yield* options.onSession(new UploadSession({ ...session, finalized: true }))
    }
    return yield* finish(prepared, finalized, session.mediaKey, options)
  })

/** From X's answer to FINALIZE (or a one-shot upload): wait for processing when asked, set alt text, and report. */
const finish = (
  prepared: Prepared,
  finalized: MediaStatus,
  knownMediaKey: string | undefined,
  options: UploadOptions
) =>
  Effect.gen(function*() {
    const client = yield* MediaClient
    const emit = options.onProgress ?? (() => Effect.void)
    const onStatus = (status: MediaStatus) =>
      status._tag === "Processing"
        ? emit(UploadEvent.ProcessingUpdate({
          mediaId: status.mediaId,
          state: status.state,
          progressPercent: status.progressPercent,
          checkAfterSecs: status.checkAfterSecs
        }))
        : Effect.void
    const last: MediaStatus = options.wait === false
      ? finalized
      : yield* client.awaitReady(finalized, { maxWait: options.maxWait, stallTimeout: options.stallTimeout, onStatus })
    if (last._tag === "Ready" && options.altText !== undefined && options.altText.length > 0) {
      yield* client.setAltText(last.mediaId, options.altText)
      yield* emit(UploadEvent.AltTextSet({ mediaId: last.mediaId }))
    }
    if (last._tag === "Ready") yield* emit(UploadEvent.Ready({ mediaId: last.mediaId, expiresAt: last.expiresAt }))
    const mediaKey = last.mediaKey ?? knownMediaKey
    return new UploadedMedia({
      mediaId: last.mediaId,
      ...(mediaKey === undefined ? {} : { mediaKey }),
      mediaType: prepared.mediaType,
      category: prepared.category,
      size: prepared.plan.totalBytes,
      expiresAt: last.expiresAt,
      state: last._tag === "Ready" ? "succeeded" : last.state
    })
  })

/**
 * Whether an upload goes as one request (see `UploadOptions.oneShot`): up to X's limit for it, or
 * the segment size the caller chose (or the one its limits allow), whichever is lower.
 */
const goesInOneRequest = (prepared: Prepared, dialect: Dialect, options: UploadOptions): boolean =>
  options.oneShot !== false && OneShot.takes(dialect, {
    mediaType: prepared.mediaType,
    category: prepared.category,
    totalBytes: prepared.plan.totalBytes,
    maxBytes: OneShot.maxBytesFor({ chunkSize: options.chunkSize, maxChunkBytes: options.limits?.maxChunkBytes })
  })

/** The whole of a source, in one buffer (the one request carries it all). */
const readWhole = (opened: OpenedMedia, size: number, source: string): Effect.Effect<Uint8Array, MediaSourceError> =>
  opened.readAt !== undefined
    ? opened.readAt(0, size, new Uint8Array(size))
    : Effect.gen(function*() {
      const whole = new Uint8Array(size)
      let filled = 0
      yield* Stream.runForEach(opened.stream(size), (piece) =>
        Effect.sync(() => {
          if (filled + piece.byteLength <= size) whole.set(piece, filled)
          filled += piece.byteLength
        }))
      if (filled !== size) {
        return yield* new MediaSourceError({
          source,
          reason: "changed",
          detail: `it gave ${filled} bytes where ${size} were planned; it changed during the upload.`
        })
      }
      return whole
    })

/** How a one-shot upload went: the media, or the upload to make in chunks instead (its bytes read already). */
type OneShotOutcome =
  | { readonly _tag: "Uploaded"; readonly media: UploadedMedia }
  | { readonly _tag: "Chunked"; readonly prepared: Prepared }

/**
 * The media in one request. Its bytes are read once: when X's one-request endpoint cannot take it
 * now (`OneShot.chunkedMayDoBetter`), the chunked upload sends them from memory. An idle timeout counts
 * as the pacing's first slow-down, so the chunked upload starts at the slower pace (fewer bytes in
 * flight; segments cut smaller where the media is larger than the new chunk size).
 */
const uploadInOneRequest = (
  prepared: Prepared,
  source: string,
  pacing: Pacing.Pacing,
  options: UploadOptions
): Effect.Effect<OneShotOutcome, UploadError, MediaClient | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* MediaClient
    const emit = options.onProgress ?? (() => Effect.void)
    const { opened, plan } = prepared
    const bytes = yield* readWhole(opened, plan.totalBytes, source)
    if (opened.verify !== undefined) yield* opened.verify
    const params = {
      mediaCategory: prepared.category,
      additionalOwners: options.additionalOwners,
      shared: options.shared
    }
    const sent = yield* pacing.withTurn(bytes.byteLength, (round) =>
      client.oneShot(params, bytes, { maxRateLimitWait: Duration.zero }).pipe(
        Effect.map((status) =>
          ({ _tag: "Answered", status }) as const
        ),
        Effect.catchIf(OneShot.chunkedMayDoBetter, (error) =>
          Effect.gen(function*() {
            // X opened no media, so there is no Adapted event (it names one); the chunked upload reports its own.
            if (error._tag === "NetworkError") yield* pacing.timedOut(round)
            // The pace starts at the plan's chunk size and only comes down; the chunked upload cuts the
            // segments not sent yet to it (as `sendSegments` re-cuts).
            const pace = yield* pacing.current
            yield* emit(UploadEvent.ChunkedInstead({
              reason: OneShot.declinedBecause(error),
              chunkSize: pace.chunkSize,
              segmentCount: Math.ceil(plan.totalBytes / pace.chunkSize),
              concurrency: pace.concurrency
            }))
            return { _tag: "Refused" } as const
          }))
      ))
    if (sent._tag === "Refused") {
      const inMemory = yield* fromBytes(bytes, source).open
      return { _tag: "Chunked", prepared: { ...prepared, opened: { ...inMemory, head: opened.head } } } as const
    }
    const status = sent.status
    yield* emit(UploadEvent.SegmentSent({
      mediaId: status.mediaId,
      segmentIndex: 0,
      segmentBytes: bytes.byteLength,
      bytesSent: bytes.byteLength,
      totalBytes: plan.totalBytes,
      segmentsSent: 1,
      segmentCount: 1
    }))
    yield* emit(UploadEvent.Finalized({ status }))
    return { _tag: "Uploaded", media: yield* finish(prepared, status, undefined, options) } as const
  })

type Phase = DeadlineExceeded["phase"]

const phaseOf = (event: UploadEvent): Phase | undefined => {
  switch (event._tag) {
    case "Planned":
      // The one request sends the bytes at once; the chunked upload starts with INIT.
      return event.oneRequest ? "uploading" : "initializing"
    case "ChunkedInstead":
      return "initializing"
    case "Initialized":
      return "uploading"
    case "SegmentSent":
      return event.segmentsSent === event.segmentCount ? "finalizing" : "uploading"
    case "Finalized":
    case "ProcessingUpdate":
      return "processing"
    case "AltTextSet":
    case "Ready":
      return "describing"
    default:
      return undefined
  }
}

/**
 * Runs an upload with its progress listener in place (so retries are reported too), and under its
 * deadline when it has one: on expiry the upload is interrupted and fails with DeadlineExceeded
 * naming the phase it was in. `resumed` is the session a `resume` started from: its caller holds it,
 * so it can be resumed again.
 */
const supervise = <A, E, R>(
  options: UploadOptions,
  run: (options: UploadOptions) => Effect.Effect<A, E, R>,
  resumed?: UploadSession
): Effect.Effect<A, E | DeadlineExceeded, R> =>
  Effect.gen(function*() {
    // Where the upload is, for DeadlineExceeded: updated by the events, from any fiber.
    const where = yield* Ref.make<
      { readonly phase: Phase; readonly mediaId: string | undefined; readonly sessionSaved: boolean }
    >({ phase: "preparing", mediaId: resumed?.mediaId, sessionSaved: resumed !== undefined })
    // Without its own listener, an upload reports to the one Progress.withListener gave around it.
    const listener = options.onProgress ?? (yield* GivenProgressListener)
    const tracking: ProgressListener = (event) =>
      Ref.update(where, (current) => ({
        ...current,
        phase: phaseOf(event) ?? current.phase,
        mediaId: event._tag === "Initialized" || event._tag === "SegmentSent" ? event.mediaId : current.mediaId
      })).pipe(Effect.andThen(listener(event)))
    const onSession = options.onSession
    const tracked: UploadOptions = {
      ...options,
      onProgress: tracking,
      // DeadlineExceeded advises resuming only once a session has been saved.
      onSession: onSession === undefined ?
        undefined :
        (session) =>
          Effect.andThen(onSession(session), Ref.update(where, (current) => ({ ...current, sessionSaved: true })))
    }
    const effect = Effect.provideService(run(tracked), CurrentProgressListener, tracking)
    if (options.deadline === undefined) return yield* effect
    const deadlineMillis = Math.round(Duration.toMillis(Duration.fromInputUnsafe(options.deadline)))
    return yield* Effect.timeoutOrElse(effect, {
      duration: Duration.millis(deadlineMillis),
      orElse: () =>
        Effect.flatMap(Ref.get(where), ({ mediaId, phase, sessionSaved }) =>
          Effect.fail(
            new DeadlineExceeded({
              deadlineMillis,
              phase,
              ...(mediaId === undefined ? {} : { mediaId }),
              ...(sessionSaved ? { sessionSaved } : {})
            })
          ))
    })
  })

/**
 * Uploads a file, bytes or stream and returns the media, ready to post (unless `wait: false`).
 *
 * Runs INIT → APPEND … → FINALIZE → STATUS until ready in the client's dialect (an image up to 5 MiB:
 * X's one request instead, see `UploadOptions.oneShot`). Every check that can be made before a
 * request is made first (empty, oversize, unknown type, wrong category, alt text, chunk size,
 * concurrency) and fails with its typed error with nothing sent. The source is streamed: memory
 * stays around `chunkSize × concurrency` (the one request holds the whole image). Interrupting it
 * aborts the requests in flight and returns once they have stopped.
 *
 * @since 0.2.0
 * @category uploading
 */
export const upload = <R>(
  source: MediaSource<R>,
  options: UploadOptions = {}
): Effect.Effect<UploadedMedia, UploadError, MediaClient | R> =>
  supervise(options, (options) =>
    Effect.scoped(Effect.gen(function*() {
      const client = yield* MediaClient
      const emit = options.onProgress ?? (() => Effect.void)
      const prepared = yield* prepare(source, options)
      const { plan } = prepared
      const oneRequest = goesInOneRequest(prepared, client.dialect, options)
      yield* emit(UploadEvent.Planned({
        source: source.name,
        totalBytes: plan.totalBytes,
        mediaType: prepared.mediaType,
        category: prepared.category,
        chunkSize: plan.chunkSize,
        segmentCount: plan.segmentCount,
        oneRequest
      }))
      yield* annotatePlan(prepared)
      const pacing = yield* makePacing(prepared, options, oneRequest)
      const oneShot = oneRequest ? yield* uploadInOneRequest(prepared, source.name, pacing, options) : undefined
      if (oneShot?._tag === "Uploaded") return oneShot.media
      const fingerprint = yield* fingerprintOf(prepared.opened.head)
      /** INIT, then the segments of `current`; over again, under a new INIT, when told to start over. */
      const attempt = (current: Prepared): Effect.Effect<UploadedMedia, UploadError, MediaClient> =>
        Effect.gen(function*() {
          const { plan } = current
          const start = yield* client.initialize({
            totalBytes: plan.totalBytes,
            mediaType: current.mediaType,
            mediaCategory: current.category,
            additionalOwners: options.additionalOwners,
            shared: options.shared
          })
          const session = new UploadSession({
            version: 2,
            fingerprint,
            mediaId: start.mediaId,
            ...(start.mediaKey === undefined ? {} : { mediaKey: start.mediaKey }),
            dialect: client.dialect,
            baseUrl: client.baseUrl,
            source: source.name,
            totalBytes: plan.totalBytes,
            mediaType: current.mediaType,
            category: current.category,
            chunkSize: plan.chunkSize,
            segmentRuns: plan.runs,
            segmentCount: plan.segmentCount,
            segmentsDone: [],
            expiresAt: start.expiresAt,
            finalized: false
          })
          yield* Effect.annotateCurrentSpan("x-media.media_id", start.mediaId)
          yield* emit(
            UploadEvent.Initialized({
              mediaId: start.mediaId,
              expiresAt: start.expiresAt,
              resumed: false,
              bytesAlreadySent: 0
            })
          )
          if (options.onSession !== undefined) yield* options.onSession(session)
          const mayStartOver = current.opened.readAt !== undefined
          return yield* sendSegments(current, session, options, pacing, mayStartOver).pipe(
            Effect.flatMap((sent) => complete(current, sent, options)),
            Effect.catchTag("StartOver", (startOver) =>
              Effect.gen(function*() {
                yield* Effect.logDebug(
                  `x-media: nothing reached X yet; starting over with segments of ${startOver.chunkSize} bytes`
                )
                const smaller = yield* planSegments({
                  totalBytes: plan.totalBytes,
                  chunkSize: startOver.chunkSize,
                  maxChunkBytes: options.limits?.maxChunkBytes,
                  maxSegments: options.limits?.maxSegments,
                  source: source.name,
                  category: current.category
                })
                return yield* attempt({ ...current, plan: smaller })
              }))
          )
        })
      return yield* attempt(oneShot?.prepared ?? prepared)
    }))).pipe(Effect.withSpan("x-media/Upload.upload", { attributes: { "x-media.source": source.name } }))

/** The plan on the upload's span. */
const annotatePlan = (prepared: Prepared) =>
  Effect.annotateCurrentSpan({
    "x-media.total_bytes": prepared.plan.totalBytes,
    "x-media.media_type": prepared.mediaType,
    "x-media.category": prepared.category,
    "x-media.chunk_size": prepared.plan.chunkSize,
    "x-media.segment_count": prepared.plan.segmentCount,
    "x-media.concurrency": prepared.concurrency
  })

const mismatch = (option: string, value: string, detail: string) =>
  Effect.fail(new InvalidOption({ option, value, detail }))

/**
 * Resumes a saved session: sends only the segments X does not have, then FINALIZE and waits as
 * `upload` does. The source must be the same bytes (its size and type are checked). Fails with
 * MediaExpired, without a request, when the session has expired; with InvalidOption when the
 * session belongs to another dialect or server, or the source does not match it.
 *
 * @since 0.2.0
 * @category uploading
 */
export const resume = <R>(
  saved: UploadSession,
  source: MediaSource<R>,
  options: Omit<UploadOptions, "chunkSize" | "mediaType" | "category"> = {}
): Effect.Effect<UploadedMedia, UploadError, MediaClient | R> =>
  supervise(options, (options) =>
    Effect.scoped(Effect.gen(function*() {
      // The segments X has, ascending and once each, whatever a hand-edited session file says: the
      // upload counts their bytes and keeps the list ascending as it adds to it.
      const session = new UploadSession({
        ...saved,
        segmentsDone: Arr.dedupeAdjacent(Arr.sort(saved.segmentsDone, Order.Number))
      })
      const client = yield* MediaClient
      const emit = options.onProgress ?? (() => Effect.void)
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      if (now >= session.expiresAt.getTime()) {
        return yield* new MediaExpired({ mediaId: session.mediaId, expiresAt: session.expiresAt, step: "APPEND" })
      }
      const dialect: Dialect = client.dialect
      if (session.dialect !== dialect) {
        return yield* mismatch(
          "session",
          session.mediaId,
          `it was opened with the ${session.dialect} API, not ${dialect}; resume it with --api ${session.dialect}.`
        )
      }
      if (session.baseUrl !== client.baseUrl) {
        return yield* mismatch(
          "session",
          session.mediaId,
          `it was opened on ${session.baseUrl}, not ${client.baseUrl}.`
        )
      }
      const checked = yield* prepare(source, {
        ...options,
        chunkSize: session.chunkSize,
        mediaType: session.mediaType,
        category: session.category
      })
      if (checked.plan.totalBytes !== session.totalBytes) {
        return yield* mismatch(
          "session",
          session.mediaId,
          `the session is for ${session.totalBytes} bytes but ${source.name} has ${checked.plan.totalBytes}; resume with the same file.`
        )
      }
      // The segments as the session cut them (later ones may be smaller than the first).
      const plan = SegmentPlans.fromRuns(session.totalBytes, session.runs)
      const maxChunk = options.limits?.maxChunkBytes ?? SegmentPlans.maxChunkBytes
      if (
        plan === undefined || plan.segmentCount !== session.segmentCount ||
        plan.runs.some((run) => run.chunkSize > maxChunk) || session.segmentsDone.some((i) =>
          !(i >= 0 && i < plan.segmentCount)
        )
      ) {
        return yield* mismatch(
          "session",
          session.mediaId,
          `its segment sizes do not add up to its ${session.segmentCount} segments of ${session.totalBytes} bytes; it was changed or damaged: start a new upload.`
        )
      }
      const prepared: Prepared = { ...checked, plan }
      if ((yield* fingerprintOf(prepared.opened.head)) !== session.fingerprint) {
        return yield* mismatch(
          "session",
          session.mediaId,
          `${source.name} does not start with the same bytes as ${session.source} did; resume with the same file.`
        )
      }
      yield* annotatePlan(prepared)
      const bytesAlreadySent = session.segmentsDone.reduce((n, i) => n + prepared.plan.segmentRange(i).length, 0)
      yield* emit(
        UploadEvent.Initialized({
          mediaId: session.mediaId,
          expiresAt: session.expiresAt,
          resumed: true,
          bytesAlreadySent,
          finalized: session.finalized
        })
      )
      const sent = session.finalized
        ? session
        : yield* sendSegments(prepared, session, options, yield* makePacing(prepared, options), false).pipe(
          // Only upload starts over (it holds the INIT parameters and X has none of it).
          Effect.catchTag("StartOver", () => Effect.die(new Error("a resumed upload never starts over")))
        )
      return yield* complete(prepared, sent, options)
    })), saved).pipe(
      Effect.withSpan("x-media/Upload.resume", {
        attributes: { "x-media.source": source.name, "x-media.media_id": saved.mediaId }
      })
    )

/**
 * What {@link check} found: the upload that would be made.
 *
 * @since 0.2.0
 * @category models
 */
export interface CheckedUpload {
  readonly mediaType: MediaType
  readonly category: MediaCategory
  readonly totalBytes: number
  readonly chunkSize: number
  readonly segmentCount: number
}

/**
 * Every check {@link upload} makes before its first request (the source can be opened and is not
 * empty, its type, category, size and alt text, the chunking and concurrency), without a client
 * and without sending anything. Use it to report a bad input before asking for credentials, or to
 * check every file of a post before uploading any. Fails with the same typed errors `upload` would.
 *
 * @since 0.2.0
 * @category uploading
 */
export const check = <R>(
  source: MediaSource<R>,
  options: Omit<UploadOptions, "onProgress" | "onSession"> = {}
): Effect.Effect<CheckedUpload, PreflightError, R> =>
  Effect.scoped(prepare(source, options)).pipe(
    Effect.map(({ category, mediaType, plan }) => ({
      mediaType,
      category,
      totalBytes: plan.totalBytes,
      chunkSize: plan.chunkSize,
      segmentCount: plan.segmentCount
    }))
  )
