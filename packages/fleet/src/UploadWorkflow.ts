/**
 * A durable upload: X's INIT → APPEND … → FINALIZE → STATUS until ready → alt text as an
 * `effect/workflow` Workflow whose every step is an Activity (an image up to 5 MiB, or up to the
 * chunk size submitted: X's one request, `UPLOAD`, in place of INIT, APPEND and FINALIZE, as
 * `Upload.upload` sends it). The engine (effect/cluster's
 * `ClusterWorkflowEngine`) stores each step's result in PostgreSQL, so a worker that takes an
 * upload over from a dead one replays the stored results and sends X only what it does not have
 * yet: the same media id, no segment again that X acknowledged (the ones in flight when the worker
 * died are sent again), the waits between STATUS polls as `DurableClock` sleeps.
 *
 * An upload's identity (`uploadId`) is stable: given, or derived from the file's absolute path and
 * the SHA-256 of its bytes; submitting the same upload again joins the running one (or gets the
 * result of the finished one). Submitted again after it failed, it starts over as its next
 * `attempt`, a run of its own. A step that finds the media id expired (X keeps an unfinished
 * upload for about 24 hours) fails the upload with `MediaExpired`: starting over silently would
 * upload the whole file again behind the back of whoever waits for it; submitting it again does.
 *
 * @since 0.2.0
 */
import {
  Errors,
  MediaCategory,
  type MediaClient,
  MediaId,
  MediaSource,
  MediaStatus,
  MediaType,
  OneShot,
  Upload
} from "@x-media/core"
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Activity from "effect/workflow/Activity"
import * as DurableClock from "effect/workflow/DurableClock"
import * as Workflow from "effect/workflow/Workflow"
import { FleetStore, type UploadKey } from "./FleetStore.ts"

/**
 * What a durable upload is: everything a worker needs besides the credentials (which never leave
 * the workers) and the file (which must be readable at `path` on the worker: shared storage).
 *
 * @since 0.2.0
 * @category models
 */
export const UploadPayload = Schema.Struct({
  /** The stable identity of the upload. */
  uploadId: Schema.String,
  /** Which run of the upload this is: 1, then one more for each submission after a failure. */
  attempt: Schema.optionalKey(Schema.Int),
  /** The X user it is for (`Credentials.userOf`: never a secret). */
  user: Schema.String,
  /** The absolute path of the file. */
  path: Schema.String,
  size: Schema.Int,
  /** SHA-256 of the bytes (hex), part of the default identity. Workers check the size before each segment. */
  sha256: Schema.String,
  mediaType: MediaType.MediaType,
  category: MediaCategory.MediaCategory,
  chunkSize: Schema.Int,
  /** APPENDs in flight at once. */
  concurrency: Schema.Int,
  altText: Schema.optionalKey(Schema.String),
  /** Wait for X's processing (as `upload` does unless told not to). */
  wait: Schema.Boolean,
  /** The longest wait for processing, in milliseconds. */
  maxWaitMillis: Schema.Int,
  /**
   * Send the media in X's one request when X takes it that way (`OneShot.takes`). Absent in uploads
   * submitted before it existed: those stay chunked, so a workflow replayed mid-way does not upload
   * again in one request what it began in chunks.
   */
  oneShot: Schema.optionalKey(Schema.Boolean),
  /**
   * The most bytes of the one request (`OneShot.maxBytesFor` when submitted). Absent in uploads
   * submitted before it existed: their one request was bounded by `chunkSize`, and stays so.
   */
  oneShotMaxBytes: Schema.optionalKey(Schema.Int)
})

/**
 * @since 0.2.0
 * @category models
 */
export type UploadPayload = typeof UploadPayload.Type

/**
 * Everything a durable upload can fail with.
 *
 * @since 0.2.0
 * @category errors
 */
export const UploadFailure = Schema.Union([
  Errors.XApiError,
  Errors.RateLimited,
  Errors.AuthenticationFailed,
  Errors.MissingCredentials,
  Errors.AuthUnsupported,
  Errors.MediaExpired,
  Errors.ProcessingFailed,
  Errors.ProcessingTimeout,
  Errors.NetworkError,
  Errors.MalformedResponse,
  Errors.MediaSourceError,
  Errors.InvalidOption
])

/**
 * @since 0.2.0
 * @category errors
 */
export type UploadFailure = typeof UploadFailure.Type

/**
 * The cluster's shard group of a user's uploads: only workers with that user's credentials take
 * its shards.
 *
 * @since 0.2.0
 * @category workflows
 */
export const shardGroupOf = (user: string): string => `user-${user.replace(/[^A-Za-z0-9_-]/g, "-")}`

const makeWorkflow = (user: string) =>
  Workflow.make(`x-media/Upload/${user}`, {
    payload: UploadPayload,
    success: Upload.UploadedMedia,
    error: UploadFailure,
    // The first attempt keeps the bare id (runs stored before attempts existed are found again).
    idempotencyKey: (payload) =>
      (payload.attempt ?? 1) === 1 ? payload.uploadId : `${payload.uploadId}#${payload.attempt}`,
    annotations: Context.make(ClusterSchema.ShardGroup, () => shardGroupOf(user))
  })

/**
 * @since 0.2.0
 * @category workflows
 */
export type UploadWorkflow = ReturnType<typeof makeWorkflow>

const workflows = new Map<string, UploadWorkflow>()

/**
 * The durable upload workflow of one X user (`x-media/Upload/<user>`), in the user's shard group
 * ({@link shardGroupOf}), so that the cluster runs it only on workers that serve that user.
 *
 * @since 0.2.0
 * @category workflows
 */
export const workflowFor = (user: string): UploadWorkflow => {
  const known = workflows.get(user)
  if (known !== undefined) return known
  const made = makeWorkflow(user)
  workflows.set(user, made)
  return made
}

/**
 * How a worker reaches X for a user: the `MediaClient` of that user's credentials (cached), on the
 * fleet's shared rate budget.
 *
 * @since 0.2.0
 * @category services
 */
export class FleetClients extends Context.Service<FleetClients, {
  readonly mediaClientFor: (
    user: string
  ) => Effect.Effect<
    MediaClient.MediaClientShape,
    Errors.MissingCredentials | Errors.AuthUnsupported | Errors.InvalidOption
  >
  /** This worker, as `fleet status` shows it. */
  readonly worker: string
}>()("@x-media/fleet/FleetClients") {}

const Start = Schema.Struct({
  mediaId: MediaId.MediaId,
  mediaKey: Schema.optionalKey(Schema.String),
  expiresAt: Schema.Date
})

const segmentCountOf = (payload: UploadPayload) => Math.ceil(payload.size / payload.chunkSize)

/** The one request was answered: X's status of the media, as FINALIZE would give it. */
const Sent = Schema.TaggedStruct("Sent", { status: MediaStatus.MediaStatus })
/** X could not take the media in one request now: the upload goes in chunks. */
const Chunked = Schema.TaggedStruct("Chunked", {})
const OneRequest = Schema.Union([Sent, Chunked])

/** Reads `length` bytes at `offset` of the upload's file, checking the file is still the one submitted. */
const readRange = (payload: UploadPayload, offset: number, length: number) =>
  Effect.scoped(Effect.gen(function*() {
    const opened = yield* MediaSource.fromFile(payload.path).open
    if (opened.size !== payload.size || opened.readAt === undefined) {
      return yield* new Errors.MediaSourceError({
        source: payload.path,
        reason: "changed",
        detail: `the file has ${opened.size} bytes now, ${payload.size} when the upload was submitted`
      })
    }
    const bytes = yield* opened.readAt(offset, length, new Uint8Array(length))
    return bytes
  }))

/** Reads segment `index` of the upload's file, checking the file is still the one submitted. */
const readSegment = (payload: UploadPayload, index: number) => {
  const offset = index * payload.chunkSize
  return readRange(payload, offset, Math.min(payload.chunkSize, payload.size - offset))
}

const keyOf = (payload: UploadPayload): UploadKey => ({ uploadId: payload.uploadId, attempt: payload.attempt ?? 1 })

/** What a worker runs for each upload. */
const handler = Effect.fnUntraced(function*(payload: UploadPayload) {
  const clients = yield* FleetClients
  const store = yield* FleetStore
  const fileSystemContext = yield* Effect.context<FileSystem.FileSystem>()
  const media = yield* clients.mediaClientFor(payload.user)
  const note = (change: Parameters<typeof store.update>[1]) =>
    store.update(keyOf(payload), { worker: clients.worker, ...change }).pipe(
      Effect.catch((error) => Effect.logWarning("x-media fleet: could not record progress", error))
    )
  const step = <A, I, RD>(
    name: string,
    success: Schema.Codec<A, I, RD>,
    execute: Effect.Effect<A, UploadFailure, FileSystem.FileSystem>
  ) => Activity.make({ name, success, error: UploadFailure, execute: Effect.provide(execute, fileSystemContext) })

  const count = segmentCountOf(payload)
  // X's one request, as Upload.upload sends it; it never waits for its own rate-limit window. Decided
  // from the payload alone, so a workflow replayed by a later version decides as its first run did.
  const inOneRequest = payload.oneShot === true && OneShot.takes(media.dialect, {
    mediaType: payload.mediaType,
    category: payload.category,
    totalBytes: payload.size,
    maxBytes: payload.oneShotMaxBytes ?? payload.chunkSize
  })
  const oneRequest: typeof OneRequest.Type = inOneRequest
    ? yield* step(
      "UPLOAD",
      OneRequest,
      Effect.gen(function*() {
        yield* note({ state: "appending" })
        const bytes = yield* readRange(payload, 0, payload.size)
        return yield* media.oneShot({ mediaCategory: payload.category }, bytes, { maxRateLimitWait: Duration.zero })
          .pipe(
            Effect.tap((status) => note({ mediaId: status.mediaId, allSegmentsDone: true })),
            Effect.map((status) => Sent.make({ status })),
            Effect.catchIf(OneShot.chunkedMayDoBetter, () => Effect.succeed(Chunked.make({})))
          )
      })
    )
    : Chunked.make({})

  /** INIT, every APPEND, FINALIZE: X's answer to FINALIZE. */
  const chunked = Effect.gen(function*() {
    const start = yield* step(
      "INIT",
      Start,
      Effect.gen(function*() {
        const started = yield* media.initialize({
          totalBytes: payload.size,
          mediaType: payload.mediaType,
          mediaCategory: payload.category
        })
        yield* note({ state: "appending", mediaId: started.mediaId })
        return started
      })
    )
    const ref: MediaClient.MediaRef = { mediaId: start.mediaId, expiresAt: start.expiresAt }
    yield* Effect.forEach(
      Array.from({ length: count }, (_, index) => index),
      (index) =>
        step(
          `APPEND/${index}`,
          Schema.Void,
          Effect.gen(function*() {
            const bytes = yield* readSegment(payload, index)
            yield* media.append(ref, index, bytes)
            yield* note({ segmentDone: true })
          })
        ),
      { concurrency: Math.max(1, payload.concurrency), discard: true }
    )
    return yield* step(
      "FINALIZE",
      MediaStatus.MediaStatus,
      Effect.gen(function*() {
        yield* note({ state: "finalizing" })
        return yield* media.finalize(ref)
      })
    )
  })

  let status = oneRequest._tag === "Sent" ? oneRequest.status : yield* chunked
  let waited = 0
  for (let poll = 0; payload.wait && status._tag === "Processing"; poll++) {
    const delay = Math.max(1000, Math.round((status.checkAfterSecs ?? 1) * 1000))
    if (waited + delay > payload.maxWaitMillis) {
      return yield* new Errors.ProcessingTimeout({
        mediaId: status.mediaId,
        reason: "max-wait",
        waitedMillis: waited,
        maxWaitMillis: payload.maxWaitMillis,
        lastState: status.state,
        ...(status.progressPercent === undefined ? {} : { lastProgressPercent: Math.round(status.progressPercent) })
      })
    }
    yield* DurableClock.sleep({ name: `STATUS/${poll}`, duration: Duration.millis(delay) })
    waited += delay
    const current = status
    status = yield* step(
      `STATUS/${poll}`,
      MediaStatus.MediaStatus,
      Effect.gen(function*() {
        yield* note({ state: "processing" })
        return yield* media.status({ mediaId: current.mediaId, expiresAt: current.expiresAt })
      })
    )
  }

  const altText = payload.altText
  if (altText !== undefined && status._tag === "Ready") {
    const mediaId = status.mediaId
    yield* step("ALT_TEXT", Schema.Void, media.setAltText(mediaId, altText))
  }
  const final = status
  const result = new Upload.UploadedMedia({
    mediaId: final.mediaId,
    ...(final.mediaKey === undefined ? {} : { mediaKey: final.mediaKey }),
    mediaType: payload.mediaType,
    category: payload.category,
    size: payload.size,
    expiresAt: final.expiresAt,
    state: final._tag === "Ready" ? "succeeded" : final.state
  })
  yield* step("DONE", Schema.Void, note({ state: final._tag === "Ready" ? "succeeded" : final.state }))
  return result
}, (effect, payload) =>
  effect.pipe(
    Effect.tapError((error) =>
      FleetStore.use((store) => store.update(keyOf(payload), { state: "failed", error: error._tag })).pipe(
        Effect.ignore
      )
    )
  ))

/**
 * The workflows' handlers for the users a worker serves. Needs `FleetClients`, `FleetStore` and a
 * `FileSystem`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (users: ReadonlyArray<string>) =>
  Layer.mergeAll(Layer.empty, ...users.map((user) => workflowFor(user).toLayer(handler)))
