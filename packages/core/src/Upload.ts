/**
 * The whole upload in one call: pre-flight checks, INIT, streamed APPENDs with bounded
 * concurrency, FINALIZE, waiting for processing, and alt text. Also resumes a saved session.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Pool from "effect/Pool"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { Dialect } from "./Dialect.ts"
import {
  DeadlineExceeded,
  EmptyMedia,
  InvalidOption,
  MediaExpired,
  MediaSourceError,
  type PreflightError,
  type ProcessingFailed,
  type ProcessingTimeout,
  type XRequestError
} from "./Errors.ts"
import { type ByteLimits, checkMedia, MediaCategory, resolveCategory } from "./MediaCategory.ts"
import { MediaClient } from "./MediaClient.ts"
import { MediaId } from "./MediaId.ts"
import type { OpenedMedia, MediaSource } from "./MediaSource.ts"
import type { MediaStatus } from "./MediaStatus.ts"
import { MediaType, resolveMediaType } from "./MediaType.ts"
import { CurrentProgressListener } from "./internal/ProgressChannel.ts"
import { type ProgressListener, UploadEvent } from "./Progress.ts"
import { rechunk } from "./internal/Rechunk.ts"
import { planSegments, type SegmentPlan } from "./SegmentPlan.ts"
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
  /** The whole upload, processing included, must finish within this, else DeadlineExceeded. */
  readonly deadline?: Duration.Input | undefined
  /** Receives progress events. */
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
export type UploadError = PreflightError | XRequestError | ProcessingFailed | ProcessingTimeout | DeadlineExceeded

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
  readonly segmentsDone: ReadonlyArray<number>
  readonly bytesSent: number
}

/** `sorted` with `value` inserted in order (a new array). */
const insertSorted = (sorted: ReadonlyArray<number>, value: number): ReadonlyArray<number> => {
  const at = sorted.findIndex((n) => n > value)
  return at === -1 ? [...sorted, value] : [...sorted.slice(0, at), value, ...sorted.slice(at)]
}

/**
 * Sends the segments X does not have yet, `concurrency` at a time, and returns the final session.
 *
 * Each segment is one task: read it (into a buffer borrowed from a pool, for sources with random
 * access), APPEND it (retried on its own by the XClient), then record it. What X has lives in one
 * `SynchronizedRef`: recording a segment, its progress event and the saved session happen under it,
 * so sessions are saved in the order they grew. The first failure interrupts the other tasks.
 */
const sendSegments = (
  prepared: Prepared,
  initial: UploadSession,
  options: UploadOptions
) =>
  Effect.gen(function*() {
    const client = yield* MediaClient
    const emit = options.onProgress ?? (() => Effect.void)
    // A session is built (and its segment list checked) only where one is saved, and once at the
    // end: building one per segment cost O(segments²) (bench/RESULTS.md).
    const sessionWith = (segmentsDone: ReadonlyArray<number>) => new UploadSession({ ...initial, segmentsDone })
    const onSession = options.onSession
    const save = onSession === undefined
      ? () => Effect.void
      : (segmentsDone: ReadonlyArray<number>) => onSession(sessionWith(segmentsDone))
    const { opened, plan } = prepared
    const media = { mediaId: initial.mediaId, expiresAt: initial.expiresAt }
    const progress = yield* SynchronizedRef.make<Progress>({
      segmentsDone: initial.segmentsDone,
      bytesSent: initial.segmentsDone.reduce((n, index) => n + plan.segmentRange(index).length, 0)
    })

    const recordSent = (index: number, segmentBytes: number) =>
      SynchronizedRef.updateEffect(progress, (state) => {
        const segmentsDone = insertSorted(state.segmentsDone, index)
        const next: Progress = { segmentsDone, bytesSent: state.bytesSent + segmentBytes }
        const event = UploadEvent.SegmentSent({
          mediaId: initial.mediaId,
          segmentIndex: index,
          segmentBytes,
          bytesSent: next.bytesSent,
          totalBytes: plan.totalBytes,
          segmentsSent: segmentsDone.length,
          segmentCount: plan.segmentCount
        })
        return emit(event).pipe(Effect.andThen(save(segmentsDone)), Effect.as(next))
      })

    const appendSegment = (index: number, bytes: Uint8Array) =>
      client.append(media, index, bytes).pipe(Effect.andThen(recordSent(index, bytes.byteLength)))

    const missing = initial.missingSegments
    const { readAt } = opened
    if (readAt !== undefined) {
      // Random access: each task borrows a buffer, reads its segment into it and sends it from
      // there; the buffer goes back to the pool once the APPEND (and its retries) is over. Memory is
      // one chunk per task in flight, whatever the garbage collector does.
      const workers = Math.min(prepared.concurrency, missing.length)
      const buffers = yield* Pool.make({
        acquire: Effect.sync(() => new Uint8Array(Math.min(plan.chunkSize, plan.totalBytes))),
        size: Math.max(1, workers)
      })
      yield* Effect.forEach(
        missing,
        (index) =>
          Pool.use(buffers, (buffer) => {
            const range = plan.segmentRange(index)
            return Effect.flatMap(readAt(range.offset, range.length, buffer), (bytes) => appendSegment(index, bytes))
          }),
        { concurrency: workers, discard: true }
      )
      if (opened.verify !== undefined) yield* opened.verify
    } else {
      // A stream is read once, in order: segments X already has are read and skipped.
      const already = new Set(initial.segmentsDone)
      const produced = yield* Ref.make(0)
      yield* opened.stream(plan.chunkSize).pipe(
        // A file smaller than a chunk needs no chunk-sized buffer.
        rechunk(Math.min(plan.chunkSize, plan.totalBytes)),
        Stream.map((bytes, index) => [bytes, index] as const),
        Stream.tap(() => Ref.update(produced, (n) => n + 1)),
        Stream.filter(([, index]) => !already.has(index)),
        Stream.mapEffect(([bytes, index]) => appendSegment(index, bytes), {
          concurrency: prepared.concurrency,
          unordered: true
        }),
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
    return sessionWith((yield* SynchronizedRef.get(progress)).segmentsDone)
  })

/** FINALIZE (unless done already), wait for processing when asked, set alt text, and report. */
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
    const mediaKey = last.mediaKey ?? session.mediaKey
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

type Phase = DeadlineExceeded["phase"]

const phaseOf = (event: UploadEvent): Phase | undefined => {
  switch (event._tag) {
    case "Planned":
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
 * naming the phase it was in.
 */
const supervise = <A, E, R>(
  options: UploadOptions,
  run: (options: UploadOptions) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | DeadlineExceeded, R> =>
  Effect.gen(function*() {
    // Where the upload is, for DeadlineExceeded: updated by the events, from any fiber.
    const where = yield* Ref.make<{ readonly phase: Phase; readonly mediaId: string | undefined }>({
      phase: "preparing",
      mediaId: undefined
    })
    const listener = options.onProgress
    const tracking: ProgressListener = (event) =>
      Ref.update(where, (current) => ({
        phase: phaseOf(event) ?? current.phase,
        mediaId: event._tag === "Initialized" ? event.mediaId : current.mediaId
      })).pipe(Effect.andThen(listener === undefined ? Effect.void : listener(event)))
    const tracked = { ...options, onProgress: tracking }
    const effect = Effect.provideService(run(tracked), CurrentProgressListener, tracking)
    if (options.deadline === undefined) return yield* effect
    const deadlineMillis = Math.round(Duration.toMillis(Duration.fromInputUnsafe(options.deadline)))
    return yield* Effect.timeoutOrElse(effect, {
      duration: Duration.millis(deadlineMillis),
      orElse: () =>
        Effect.flatMap(Ref.get(where), ({ mediaId, phase }) =>
          Effect.fail(new DeadlineExceeded({ deadlineMillis, phase, ...(mediaId === undefined ? {} : { mediaId }) })))
    })
  })

/**
 * Uploads a file, bytes or stream and returns the media, ready to post (unless `wait: false`).
 *
 * Runs INIT → APPEND … → FINALIZE → STATUS until ready in the client's dialect. Every check that
 * can be made before a request is made first (empty, oversize, unknown type, wrong category, alt
 * text, chunk size, concurrency) and fails with its typed error with nothing sent. The source is
 * streamed: memory stays around `chunkSize × concurrency`. Interrupting it aborts the requests in
 * flight and returns once they have stopped.
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
      yield* emit(UploadEvent.Planned({
        source: source.name,
        totalBytes: plan.totalBytes,
        mediaType: prepared.mediaType,
        category: prepared.category,
        chunkSize: plan.chunkSize,
        segmentCount: plan.segmentCount
      }))
      yield* annotatePlan(prepared)
      const start = yield* client.initialize({
        totalBytes: plan.totalBytes,
        mediaType: prepared.mediaType,
        mediaCategory: prepared.category,
        additionalOwners: options.additionalOwners,
        shared: options.shared
      })
      const session = new UploadSession({
        version: 1,
        fingerprint: yield* fingerprintOf(prepared.opened.head),
        mediaId: start.mediaId,
        ...(start.mediaKey === undefined ? {} : { mediaKey: start.mediaKey }),
        dialect: client.dialect,
        baseUrl: client.baseUrl,
        source: source.name,
        totalBytes: plan.totalBytes,
        mediaType: prepared.mediaType,
        category: prepared.category,
        chunkSize: plan.chunkSize,
        segmentCount: plan.segmentCount,
        segmentsDone: [],
        expiresAt: start.expiresAt,
        finalized: false
      })
      yield* Effect.annotateCurrentSpan("x-media.media_id", start.mediaId)
      yield* emit(UploadEvent.Initialized({ mediaId: start.mediaId, expiresAt: start.expiresAt, resumed: false, bytesAlreadySent: 0 }))
      if (options.onSession !== undefined) yield* options.onSession(session)
      const sent = yield* sendSegments(prepared, session, options)
      return yield* complete(prepared, sent, options)
    }))
  ).pipe(Effect.withSpan("x-media/Upload.upload", { attributes: { "x-media.source": source.name } }))

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
  session: UploadSession,
  source: MediaSource<R>,
  options: Omit<UploadOptions, "chunkSize" | "mediaType" | "category"> = {}
): Effect.Effect<UploadedMedia, UploadError, MediaClient | R> =>
  supervise(options, (options) =>
    Effect.scoped(Effect.gen(function*() {
      const client = yield* MediaClient
      const emit = options.onProgress ?? (() => Effect.void)
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      if (now >= session.expiresAt.getTime()) {
        return yield* new MediaExpired({ mediaId: session.mediaId, expiresAt: session.expiresAt, step: "APPEND" })
      }
      const dialect: Dialect = client.dialect
      if (session.dialect !== dialect) {
        return yield* mismatch("session", session.mediaId, `it was opened with the ${session.dialect} API, not ${dialect}; resume it with --api ${session.dialect}.`)
      }
      if (session.baseUrl !== client.baseUrl) {
        return yield* mismatch("session", session.mediaId, `it was opened on ${session.baseUrl}, not ${client.baseUrl}.`)
      }
      const prepared = yield* prepare(source, {
        ...options,
        chunkSize: session.chunkSize,
        mediaType: session.mediaType,
        category: session.category
      })
      if (prepared.plan.totalBytes !== session.totalBytes || prepared.plan.segmentCount !== session.segmentCount) {
        return yield* mismatch("session", session.mediaId, `the session is for ${session.totalBytes} bytes but ${source.name} has ${prepared.plan.totalBytes}; resume with the same file.`)
      }
      if ((yield* fingerprintOf(prepared.opened.head)) !== session.fingerprint) {
        return yield* mismatch("session", session.mediaId, `${source.name} does not start with the same bytes as ${session.source} did; resume with the same file.`)
      }
      yield* annotatePlan(prepared)
      const bytesAlreadySent = session.segmentsDone.reduce((n, i) => n + prepared.plan.segmentRange(i).length, 0)
      yield* emit(UploadEvent.Initialized({ mediaId: session.mediaId, expiresAt: session.expiresAt, resumed: true, bytesAlreadySent }))
      const sent = session.finalized ? session : yield* sendSegments(prepared, session, options)
      return yield* complete(prepared, sent, options)
    }))
  ).pipe(
    Effect.withSpan("x-media/Upload.resume", {
      attributes: { "x-media.source": source.name, "x-media.media_id": session.mediaId }
    })
  )
