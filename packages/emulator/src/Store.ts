/**
 * Upload sessions and their bytes. Each APPENDed segment is spilled to its own file in the run's spill
 * directory (a re-APPEND replaces the file), so a 512 MB upload never sits in memory. At FINALIZE the
 * segments are streamed in index order through SHA-256, the first bytes are kept for type sniffing and
 * image dimensions, and the segment files are deleted.
 *
 * @module
 */
import { type Deferred, Effect, type FileSystem, type Path, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { createHash } from "node:crypto"
import type { EmulatorClock } from "./EmulatorClock.ts"
import type { Fault } from "./Faults.ts"
import { mediaKey, type MediaKind, newId } from "./MediaIds.ts"
import type { Classification } from "./MediaRules.ts"
import type { Dialect, EmulatorConfig } from "./Options.ts"
import type { ProcessingError, ProcessingState } from "./Processing.ts"

/** A processing fault waiting for the media to be finalized (applied by FINALIZE and STATUS). */
export type PendingProcessingFault = Extract<Fault, { readonly _tag: "ProcessingStuck" | "ProcessingFailed" }>

/** Where a media is in its life, as tests see it. */
export type MediaState = "uploading" | "pending" | "in_progress" | "succeeded" | "failed"

/** One segment as received: its index, its size, and how many APPENDs delivered it (re-APPENDs replace). */
export interface RecordedSegment {
  readonly index: number
  readonly size: number
  readonly appends: number
}

/** A subtitles track attached to a video (`POST /2/media/subtitles`). */
export interface RecordedSubtitles {
  /** The media id of the uploaded SRT or WebVTT file. */
  readonly id: string
  /** Two upper-case letters, for example `EN`. */
  readonly languageCode: string
  readonly displayName: string
}

/** `sensitive_media_warning` as last set through `POST /2/media/metadata` (fields not sent are `false`). */
export interface SensitiveMediaWarning {
  readonly adultContent: boolean
  readonly graphicViolence: boolean
  readonly other: boolean
}

/** `found_media_origin` as last set through `POST /2/media/metadata`. */
export interface FoundMediaOrigin {
  readonly provider: string
  readonly id: string
}

/** One media as the emulator holds it. Times are epoch milliseconds on the emulator clock. */
export interface RecordedMedia {
  readonly id: string
  readonly mediaKey: string
  /** The id of the user whose INIT created it. */
  readonly ownerId: string
  /** The user ids INIT listed in `additional_owners`: they may post it too. */
  readonly additionalOwners: ReadonlyArray<string>
  /** The dialect of its INIT. */
  readonly dialect: Dialect
  readonly mediaType: string
  /** `media_category` as sent at INIT (`undefined` when not sent). */
  readonly mediaCategory: string | undefined
  /** The category that applies (the one sent, or the one X assumes from the type). */
  readonly category: string
  readonly kind: MediaKind
  readonly totalBytes: number
  /** Bytes currently held: the sum of the latest version of each segment. */
  readonly receivedBytes: number
  readonly segments: ReadonlyArray<RecordedSegment>
  /** Size of the assembled file, computed at FINALIZE. */
  readonly size: number | undefined
  /** Hex SHA-256 of the assembled file (segments in index order), computed at FINALIZE. */
  readonly sha256: string | undefined
  readonly state: MediaState
  /** True when FINALIZE started asynchronous processing. */
  readonly processed: boolean
  /** Processing stuck at `in_progress` with an error (fault). */
  readonly stuck: boolean
  /** The error `processing_info` (or the FINALIZE refusal) carries, if any. */
  readonly error: ProcessingError | undefined
  readonly createdAt: number
  readonly finalizedAt: number | undefined
  readonly expiresAt: number
  readonly expired: boolean
  /** STATUS requests answered for this media, and how many of them came before `check_after_secs` had passed. */
  readonly statusChecks: number
  readonly prematureStatusChecks: number
  /** APPEND requests received for this media (including refused and re-sent ones). */
  readonly appendRequests: number
  /** The largest number of APPENDs of this media in flight at once (from arrival until the answer was sent). */
  readonly maxConcurrentAppends: number
  readonly altText: string | undefined
  readonly sensitiveMediaWarning: SensitiveMediaWarning | undefined
  readonly foundMediaOrigin: FoundMediaOrigin | undefined
  /** The subtitles attached to this video, in the order their languages were first attached. */
  readonly subtitles: ReadonlyArray<RecordedSubtitles>
}

interface Segment {
  readonly path: string
  readonly size: number
  readonly appends: number
}

/** The mutable session behind a `RecordedMedia`. */
export interface Session {
  readonly id: string
  readonly mediaKey: string
  readonly ownerId: string
  readonly additionalOwners: ReadonlyArray<string>
  readonly dialect: Dialect
  readonly mediaType: string
  readonly mediaCategory: string | undefined
  readonly classification: Classification
  readonly totalBytes: number
  readonly createdAt: number
  expiresAt: number
  readonly segments: Map<number, Segment>
  finalized: boolean
  finalizedAt: number | undefined
  /** The FINALIZE under way (assembling the segments), which a concurrent FINALIZE waits for. */
  finalizing: Deferred.Deferred<void, PlatformError> | undefined
  size: number | undefined
  sha256: string | undefined
  /** The first bytes of the assembled file. */
  head: Uint8Array | undefined
  processing: ProcessingState | undefined
  /** A synchronous failure at FINALIZE (bytes not of the claimed type, no processing). */
  failure: ProcessingError | undefined
  /** A processing fault that applies once the media is finalized. */
  pendingFault: PendingProcessingFault | undefined
  statusChecks: number
  prematureStatusChecks: number
  altText: string | undefined
  sensitiveMediaWarning: SensitiveMediaWarning | undefined
  foundMediaOrigin: FoundMediaOrigin | undefined
  /** Attached subtitles by language code. */
  readonly subtitles: Map<string, RecordedSubtitles>
}

/** How many leading bytes of the assembled file are kept for sniffing and image dimensions. */
export const headBytes = 64 * 1024

/** Sessions by id, and the spill directory their segments live in. */
export class Store {
  private sessions = new Map<string, Session>()
  private incomingCounter = 0

  constructor(
    private readonly config: EmulatorConfig,
    private readonly clock: EmulatorClock,
    /** The file system the spill directory lives on. */
    readonly fileSystem: FileSystem.FileSystem,
    private readonly path: Path.Path,
    /** The spill directory of this run (removed when the emulator stops). */
    readonly spillDir: string
  ) {}

  /** Opens a session at INIT. */
  create(options: {
    readonly ownerId: string
    readonly additionalOwners: ReadonlyArray<string>
    readonly dialect: Dialect
    readonly mediaType: string
    readonly mediaCategory: string | undefined
    readonly classification: Classification
    readonly totalBytes: number
  }): Session {
    const now = this.clock.now()
    const id = newId((candidate) => this.sessions.has(candidate))
    const session: Session = {
      id,
      mediaKey: mediaKey(id, options.classification.kind, options.classification.category),
      ownerId: options.ownerId,
      additionalOwners: options.additionalOwners,
      dialect: options.dialect,
      mediaType: options.mediaType,
      mediaCategory: options.mediaCategory,
      classification: options.classification,
      totalBytes: options.totalBytes,
      createdAt: now,
      expiresAt: now + this.config.expiresAfterSecs.init[options.dialect] * 1000,
      segments: new Map(),
      finalized: false,
      finalizedAt: undefined,
      finalizing: undefined,
      size: undefined,
      sha256: undefined,
      head: undefined,
      processing: undefined,
      failure: undefined,
      pendingFault: undefined,
      statusChecks: 0,
      prematureStatusChecks: 0,
      altText: undefined,
      sensitiveMediaWarning: undefined,
      foundMediaOrigin: undefined,
      subtitles: new Map()
    }
    this.sessions.set(id, session)
    return session
  }

  /** The session with this id, if the emulator issued it (and `reset` has not forgotten it). */
  get(id: string): Session | undefined {
    return this.sessions.get(id)
  }

  /** Every session, oldest first. */
  all(): ReadonlyArray<Session> {
    return [...this.sessions.values()]
  }

  /** The state a session is in, as `RecordedMedia.state` reports it. */
  stateOf(session: Session): MediaState {
    const p = session.processing
    return !session.finalized
      ? "uploading"
      : session.failure !== undefined
      ? "failed"
      : p === undefined
      ? "succeeded"
      : p.state
  }

  /** True when the session is past its expiry on the emulator clock. */
  isExpired(session: Session): boolean {
    return this.clock.now() >= session.expiresAt
  }

  /** A fresh path in the spill directory for a part being received. */
  incomingPath(): string {
    return this.path.join(this.spillDir, `incoming-${++this.incomingCounter}.part`)
  }

  private segmentPath(session: Session, index: number): string {
    return this.path.join(this.spillDir, `${session.id}-${String(index).padStart(4, "0")}.segment`)
  }

  /** Makes the file at `incoming` (already in the spill directory) segment `index`, replacing an earlier one. */
  adoptSegment(session: Session, index: number, incoming: string, size: number): Effect.Effect<void, PlatformError> {
    const target = this.segmentPath(session, index)
    return Effect.map(this.fileSystem.rename(incoming, target), () => {
      const appends = (session.segments.get(index)?.appends ?? 0) + 1
      session.segments.set(index, { path: target, size, appends })
    })
  }

  /** Writes `bytes` (a decoded base64 chunk) as segment `index`, replacing an earlier one. */
  writeSegment(session: Session, index: number, bytes: Uint8Array): Effect.Effect<void, PlatformError> {
    const incoming = this.incomingPath()
    return Effect.flatMap(
      this.fileSystem.writeFile(incoming, bytes),
      () => this.adoptSegment(session, index, incoming, bytes.length)
    )
  }

  /** Deletes a spilled file that will not become a segment. */
  discard(path: string): Effect.Effect<void> {
    return Effect.ignore(this.fileSystem.remove(path, { force: true }))
  }

  /** Bytes held for the session: the latest version of each segment. */
  receivedBytes(session: Session): number {
    let total = 0
    for (const segment of session.segments.values()) total += segment.size
    return total
  }

  /** True when the segments are exactly 0..n-1 and add up to `total_bytes`. */
  segmentsAddUp(session: Session): boolean {
    for (let i = 0; i < session.segments.size; i++) {
      if (!session.segments.has(i)) return false
    }
    return this.receivedBytes(session) === session.totalBytes
  }

  /**
   * Streams the segments in index order through SHA-256, keeps the first `headBytes` bytes, records size and
   * hash on the session, then deletes the segment files.
   */
  assemble(session: Session): Effect.Effect<void, PlatformError> {
    const fs = this.fileSystem
    return Effect.gen(function*() {
      const hash = createHash("sha256")
      const head = new Uint8Array(headBytes)
      let headLength = 0
      let size = 0
      const indexes = [...session.segments.keys()].sort((a, b) => a - b)
      for (const index of indexes) {
        const segment = session.segments.get(index)
        if (segment === undefined) continue
        yield* Stream.runForEach(fs.stream(segment.path, { chunkSize: 1024 * 1024 }), (chunk) =>
          Effect.sync(() => {
            hash.update(chunk)
            size += chunk.length
            if (headLength < headBytes) {
              const take = Math.min(headBytes - headLength, chunk.length)
              head.set(chunk.subarray(0, take), headLength)
              headLength += take
            }
          }))
      }
      session.size = size
      session.sha256 = hash.digest("hex")
      session.head = head.slice(0, headLength)
      for (const index of indexes) {
        const segment = session.segments.get(index)
        if (segment !== undefined) yield* Effect.ignore(fs.remove(segment.path, { force: true }))
      }
    })
  }

  /** Forgets every session and deletes their segment files. */
  clear(): Effect.Effect<void> {
    const sessions = [...this.sessions.values()]
    this.sessions = new Map()
    return Effect.forEach(
      sessions.flatMap((s) => [...s.segments.values()]),
      (segment) => Effect.ignore(this.fileSystem.remove(segment.path, { force: true })),
      { discard: true }
    )
  }

  /** The session as tests see it. */
  snapshot(session: Session, appends: { readonly requests: number; readonly maxConcurrent: number }): RecordedMedia {
    const p = session.processing
    const state = this.stateOf(session)
    return Object.freeze({
      id: session.id,
      mediaKey: session.mediaKey,
      ownerId: session.ownerId,
      additionalOwners: session.additionalOwners,
      dialect: session.dialect,
      mediaType: session.mediaType,
      mediaCategory: session.mediaCategory,
      category: session.classification.category,
      kind: session.classification.kind,
      totalBytes: session.totalBytes,
      receivedBytes: this.receivedBytes(session),
      segments: [...session.segments.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, s]) => Object.freeze({ index, size: s.size, appends: s.appends })),
      size: session.size,
      sha256: session.sha256,
      state,
      processed: p !== undefined,
      stuck: p?.stuck ?? false,
      error: session.failure ?? p?.error,
      createdAt: session.createdAt,
      finalizedAt: session.finalizedAt,
      expiresAt: session.expiresAt,
      expired: this.isExpired(session),
      statusChecks: session.statusChecks,
      prematureStatusChecks: session.prematureStatusChecks,
      appendRequests: appends.requests,
      maxConcurrentAppends: appends.maxConcurrent,
      altText: session.altText,
      sensitiveMediaWarning: session.sensitiveMediaWarning,
      foundMediaOrigin: session.foundMediaOrigin,
      subtitles: [...session.subtitles.values()]
    })
  }
}
