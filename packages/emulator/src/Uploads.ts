/**
 * The upload rules both dialects share, independent of how parameters arrive or answers are shaped: INIT
 * checks type, category and size limits; APPEND checks the segment index and chunk size and spills the
 * bytes; FINALIZE checks that the segments add up, hashes them, sniffs the type and starts processing;
 * STATUS advances processing; every step refuses unknown and expired ids. Each refusal is X's answer for the
 * dialect.
 *
 * @module
 */
import { Deferred, Effect } from "effect"
import type { PlatformError } from "effect/PlatformError"
import type { EmulatorState } from "./EmulatorState.ts"
import {
  classify,
  imageDimensions,
  mediaCategories,
  mediaTypes,
  oneShotCategories,
  sizeLimitMessage,
  sniffMismatch,
  sniffOneShotType
} from "./MediaRules.ts"
import type { Dialect } from "./Options.ts"
import * as Processing from "./Processing.ts"
import * as Replies from "./Replies.ts"
import type { SpilledPart } from "./RequestInput.ts"
import { headBytes, type Session } from "./Store.ts"

const reject = Replies.reject

const internal = (dialect: Dialect) => (error: PlatformError) =>
  new Replies.Rejection({ reply: Replies.serverError(dialect, 500), reason: `emulator file system: ${error.message}` })

/**
 * Applies a processing fault recorded for `session`, once it is finalized: processing is started if it was
 * not, then forced to stuck or failed.
 */
export const applyPendingProcessingFault = (state: EmulatorState, session: Session): void => {
  const fault = session.pendingFault
  if (fault === undefined || !session.finalized) return
  session.pendingFault = undefined
  const processing = session.processing ?? Processing.start(state.config, state.clock.now(), undefined)
  session.processing = processing
  session.failure = undefined
  if (fault._tag === "ProcessingStuck") Processing.stick(processing, fault.message)
  else Processing.fail(processing, { code: fault.code, name: fault.name, message: fault.message })
}

/** The INIT parameters once read. */
export interface InitParams {
  readonly mediaType: string | undefined
  readonly totalBytes: number | undefined
  readonly mediaCategory: string | undefined
  /** User ids allowed to use the media besides its owner (at most 100, each 1 to 19 digits). */
  readonly additionalOwners: ReadonlyArray<string>
}

/** The most `additional_owners` X accepts. */
export const maxAdditionalOwners = 100

/**
 * `additional_owners` as a request gives it: comma-separated user ids (v1.1, multipart fields, X's current
 * v2 one-shot schema) or a list of them (v2 JSON). Empty entries are kept, so that INIT refuses them.
 */
export const ownersOf = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  value === undefined || value === ""
    ? []
    : typeof value === "string"
    ? value.split(",").map((owner) => owner.trim())
    : value

/** INIT: validates and opens a session owned by `ownerId`. */
export const init = (
  state: EmulatorState,
  dialect: Dialect,
  ownerId: string,
  params: InitParams
): Effect.Effect<Session, Replies.Rejection> => {
  if (params.totalBytes === undefined) return reject(Replies.missingParam(dialect, "total_bytes"))
  if (params.mediaType === undefined) return reject(Replies.missingParam(dialect, "media_type"))
  const { mediaType, totalBytes, mediaCategory } = params
  if (!mediaTypes.includes(mediaType)) {
    return reject(Replies.badParam(dialect, `Unsupported media_type ${mediaType}. Supported: ${mediaTypes.join(", ")}`))
  }
  if (mediaCategory !== undefined && !mediaCategories.includes(mediaCategory)) {
    return reject(
      Replies.badParam(dialect, `Invalid media_category ${mediaCategory}. Supported: ${mediaCategories.join(", ")}`)
    )
  }
  const { additionalOwners } = params
  if (additionalOwners.length > maxAdditionalOwners) {
    return reject(
      Replies.badParam(
        dialect,
        `additional_owners lists ${additionalOwners.length} users; at most ${maxAdditionalOwners} are allowed.`
      )
    )
  }
  const badOwner = additionalOwners.find((owner) => !/^[0-9]{1,19}$/.test(owner))
  if (badOwner !== undefined) {
    return reject(
      Replies.badParam(
        dialect,
        `additional_owners must be user ids of 1 to 19 digits, got ${JSON.stringify(badOwner)}.`
      )
    )
  }
  const classification = classify(state.config, dialect, mediaType, mediaCategory)
  if (totalBytes > classification.limit) {
    return reject(
      dialect === "v1"
        ? Replies.codeErrors(400, 324, sizeLimitMessage(classification.kind, classification.limit))
        : Replies.invalidRequest(sizeLimitMessage(classification.kind, classification.limit), 324)
    )
  }
  return Effect.sync(() =>
    state.store.create({ ownerId, additionalOwners, dialect, mediaType, mediaCategory, classification, totalBytes })
  )
}

/**
 * What a request does with a media: `upload` (APPEND, FINALIZE: its owner only) or `use` (STATUS, metadata,
 * subtitles, posts: its owner or a user in its `additional_owners`).
 */
export type Access = "upload" | "use"

/** True when `userId` may access `session` that way. */
export const canAccess = (session: Session, userId: string, access: Access): boolean =>
  session.ownerId === userId || (access === "use" && session.additionalOwners.includes(userId))

/**
 * Looks up a media id the request names for `userId`; refuses unknown and expired ids, and answers a media
 * the user may not access as if it did not exist (X does not reveal other users' media).
 */
export const lookup = (
  state: EmulatorState,
  dialect: Dialect,
  id: string | undefined,
  userId: string,
  access: Access,
  param = "media_id"
): Effect.Effect<Session, Replies.Rejection> => {
  if (id === undefined) return reject(Replies.missingParam(dialect, param))
  if (!/^[0-9]{1,19}$/.test(id)) return reject(Replies.unknownMedia(dialect, id))
  const session = state.store.get(id)
  if (session === undefined) return reject(Replies.unknownMedia(dialect, id))
  if (!canAccess(session, userId, access)) {
    return reject(Replies.unknownMedia(dialect, id), `media ${id} belongs to user ${session.ownerId}, not to ${userId}`)
  }
  if (state.store.isExpired(session)) return reject(Replies.expiredMedia(dialect, id))
  return Effect.succeed(session)
}

/** The chunk an APPEND delivered: a spilled `media` part, or decoded base64 bytes. */
export type Chunk =
  | { readonly _tag: "Spilled"; readonly part: SpilledPart }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }

/** The segment index of an APPEND, checked against 0..maxSegments-1. */
export const checkSegmentIndex = (
  state: EmulatorState,
  dialect: Dialect,
  index: number | undefined
): Effect.Effect<number, Replies.Rejection> => {
  if (index === undefined) return reject(Replies.missingParam(dialect, "segment_index"))
  const max = state.config.limits.maxSegments - 1
  if (!Number.isSafeInteger(index) || index < 0 || index > max) {
    return reject(Replies.badParam(dialect, `Segment index must be between 0 and ${max} inclusive.`))
  }
  return Effect.succeed(index)
}

/** APPEND: stores the chunk as segment `index` (replacing an earlier one). */
export const append = (
  state: EmulatorState,
  dialect: Dialect,
  session: Session,
  index: number,
  chunk: Chunk
): Effect.Effect<void, Replies.Rejection> => {
  if (session.finalized) {
    return reject(Replies.badParam(dialect, `Media id ${session.id} is already finalized; it cannot be appended to.`))
  }
  const size = chunk._tag === "Spilled" ? chunk.part.size : chunk.bytes.length
  const limit = state.config.limits.maxChunkBytes
  if (size > limit) return reject(Replies.chunkTooLarge(dialect, limit))
  const stored = chunk._tag === "Spilled"
    ? state.store.adoptSegment(session, index, chunk.part.path, chunk.part.size)
    : state.store.writeSegment(session, index, chunk.bytes)
  return Effect.mapError(stored, internal(dialect))
}

/** What a one-request upload names besides its media. */
export interface OneShotParams {
  /** The type, when the request names one (X sniffs it otherwise). */
  readonly mediaType: string | undefined
  readonly mediaCategory: string | undefined
  readonly additionalOwners: ReadonlyArray<string>
}

/** The first bytes of an uploaded chunk, for sniffing. */
const headOf = (state: EmulatorState, dialect: Dialect, chunk: Chunk): Effect.Effect<Uint8Array, Replies.Rejection> =>
  chunk._tag === "Bytes"
    ? Effect.succeed(chunk.bytes.subarray(0, headBytes))
    : Effect.mapError(
      Effect.map(state.store.fileSystem.readFile(chunk.part.path), (bytes) => bytes.subarray(0, headBytes)),
      internal(dialect)
    )

/**
 * A one-request upload (v2's one-shot `POST /2/media/upload`, v1.1's simple upload): a category X takes that
 * way (v2 requires one), the type named or sniffed from the bytes, then INIT's, APPEND's and FINALIZE's rules
 * at once. Answers as FINALIZE does. `onCreated` learns the new media's id (for the request's record).
 */
export const oneShot = (
  state: EmulatorState,
  dialect: Dialect,
  ownerId: string,
  params: OneShotParams,
  media: Chunk,
  onCreated: (mediaId: string) => void
): Effect.Effect<Session, Replies.Rejection> =>
  Effect.gen(function*() {
    const category = params.mediaCategory
    if (category === undefined && dialect === "v2") {
      return yield* reject(Replies.missingParam(dialect, "media_category"))
    }
    const allowed: ReadonlyArray<string> = oneShotCategories[dialect]
    if (category !== undefined && mediaCategories.includes(category) && !allowed.includes(category)) {
      return yield* reject(
        Replies.badParam(
          dialect,
          `media_category ${category} cannot be uploaded in one request (it takes ${
            allowed.join(", ")
          }); use INIT, APPEND and FINALIZE.`
        )
      )
    }
    const head = yield* headOf(state, dialect, media)
    const mediaType = params.mediaType ?? sniffOneShotType(head, category === "subtitles")
    if (mediaType === undefined) {
      return yield* reject(
        Replies.invalidMedia(dialect, "Unsupported media: one request takes JPEG, PNG, GIF, WEBP, BMP or TIFF images")
      )
    }
    const session = yield* init(state, dialect, ownerId, {
      mediaType,
      totalBytes: media._tag === "Spilled" ? media.part.size : media.bytes.length,
      mediaCategory: category,
      additionalOwners: params.additionalOwners
    })
    onCreated(session.id)
    yield* append(state, dialect, session, 0, media)
    return yield* finalize(state, dialect, session)
  })

/**
 * Assembles the segments and marks the session finalized, once: X finalizes on its side whatever
 * becomes of the request, so a client that goes away (a worker killed during its FINALIZE) does not
 * stop it half way (assembly deletes the segment files), and a FINALIZE that arrives meanwhile waits
 * for it instead of assembling the same files again.
 */
const finalizeOnce = (state: EmulatorState, session: Session): Effect.Effect<void, PlatformError> =>
  Effect.suspend(() => {
    if (session.finalizing !== undefined) return Deferred.await(session.finalizing)
    const done = Deferred.makeUnsafe<void, PlatformError>()
    session.finalizing = done
    return state.store.assemble(session).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          const now = state.clock.now()
          session.finalized = true
          session.finalizedAt = now
          session.expiresAt = now + state.config.expiresAfterSecs.finalize * 1000
          const mismatch = sniffMismatch(session.mediaType, session.head ?? new Uint8Array())
          if (session.classification.async) {
            session.processing = Processing.start(state.config, now, mismatch)
          } else if (mismatch !== undefined) {
            session.failure = { code: 1, name: "InvalidMedia", message: mismatch }
          }
        })
      ),
      Effect.onExit((exit) =>
        Effect.suspend(() => {
          // A failed assembly may be tried again by the next FINALIZE.
          if (exit._tag === "Failure") session.finalizing = undefined
          return Deferred.done(done, exit)
        })
      ),
      Effect.uninterruptible
    )
  })

/**
 * FINALIZE: checks the segments add up to `total_bytes`, assembles and hashes them, sniffs the bytes and
 * starts processing (or, for media without processing, refuses bytes that are not the claimed type). A
 * FINALIZE of a finalized media answers its current state again.
 */
export const finalize = (
  state: EmulatorState,
  dialect: Dialect,
  session: Session
): Effect.Effect<Session, Replies.Rejection> =>
  Effect.gen(function*() {
    if (!session.finalized) {
      if (session.finalizing === undefined && !state.store.segmentsAddUp(session)) {
        return yield* reject(
          Replies.stringError(400, "Segments do not add up to provided total file size.")
        )
      }
      yield* Effect.mapError(finalizeOnce(state, session), internal(dialect))
    }
    applyPendingProcessingFault(state, session)
    if (session.processing === undefined && session.failure !== undefined) {
      return yield* reject(Replies.invalidMedia(dialect, session.failure.message))
    }
    return session
  })

/** STATUS: counts the check, applies a pending fault, advances processing when due. */
export const status = (
  state: EmulatorState,
  dialect: Dialect,
  session: Session
): Effect.Effect<Session, Replies.Rejection> => {
  if (!session.finalized) return reject(Replies.notFinalized(dialect, session.id))
  session.statusChecks += 1
  applyPendingProcessingFault(state, session)
  if (session.processing !== undefined) {
    const { premature } = Processing.onStatus(state.config, session.processing, state.clock.now())
    if (premature) session.prematureStatusChecks += 1
  }
  return Effect.succeed(session)
}

/** Whole seconds left before the session expires, rounded up (never negative). */
export const expiresAfterSecs = (state: EmulatorState, session: Session): number =>
  Math.max(0, Math.ceil((session.expiresAt - state.clock.now()) / 1000))

/**
 * The fields FINALIZE and STATUS answer with besides the id: `size`, `expires_after_secs`, the `image` or
 * `video` object, and `processing_info` when processing applies.
 */
export const mediaFields = (state: EmulatorState, session: Session): Record<string, unknown> => {
  const fields: Record<string, unknown> = {
    size: session.size ?? session.totalBytes,
    expires_after_secs: expiresAfterSecs(state, session)
  }
  const kind = session.classification.kind
  if (kind === "video") {
    fields.video = { video_type: session.mediaType }
  } else if (kind === "image" || kind === "gif") {
    const { w, h } = imageDimensions(session.mediaType, session.head ?? new Uint8Array())
    fields.image = { image_type: session.mediaType, w, h }
  }
  if (session.processing !== undefined) fields.processing_info = Processing.info(state.config, session.processing)
  return fields
}
