/**
 * The record of every request the emulator received, synchronously queryable from tests: what arrived
 * (method, path, dialect, step, media id, segment), when (start when the request reached the server, end
 * when its answer was handed to the socket), how it authenticated, what it was answered, and which fault
 * applied. Also answers how many APPENDs of a media were in flight at once, and how many 429s each user got.
 *
 * @module
 */
import { Context } from "effect"
import type { AuthResult } from "./Auth.ts"
import type { FaultTag } from "./Faults.ts"
import type { Dialect, Step } from "./Options.ts"

/** One request as the emulator saw it. Times are epoch milliseconds on the emulator clock. */
export interface RecordedRequest {
  /** 1, 2, 3 … in arrival order. */
  readonly seq: number
  readonly method: string
  /** The path without the query string. */
  readonly path: string
  /** The raw query string, without `?` (empty when none). */
  readonly query: string
  /** Known once the route matched; `undefined` for unknown paths. */
  readonly dialect: Dialect | undefined
  /** Known once the route (v2) or the `command` (v1.1) was read; `undefined` when neither says. */
  readonly step: Step | undefined
  readonly mediaId: string | undefined
  readonly segmentIndex: number | undefined
  readonly startedAt: number
  /** When the answer was handed to the socket (or the connection dropped); `undefined` while in flight. */
  readonly endedAt: number | undefined
  /** How the request authenticated, or why it was refused; `undefined` for unknown paths. */
  readonly auth: AuthResult | undefined
  /** The HTTP status sent; `undefined` when the connection was dropped or the request is still in flight. */
  readonly status: number | undefined
  /** The injected fault that applied, if any. */
  readonly fault: FaultTag | undefined
  /** True when the connection was destroyed without an answer (fault, or the client went away). */
  readonly dropped: boolean
  /** Request body bytes received. */
  readonly bodyBytes: number
  readonly contentType: string | undefined
  /** Why the request was refused (for error answers), in a few words. */
  readonly error: string | undefined
  /** The id of the user the request acted for; `undefined` when authentication refused it. */
  readonly userId: string | undefined
  /**
   * The headers the emulator set on its answer (`x-rate-limit-*`, `retry-after` …), lower-case names; empty
   * while in flight or when no answer was sent.
   */
  readonly responseHeaders: Readonly<Record<string, string>>
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** A request record being filled in while the request is handled. */
export interface RequestEntry extends Mutable<RecordedRequest> {
  /** Global order of the start and end events, for exact in-flight counting. */
  startTick: number
  endTick: number | undefined
}

/** The record of the request being handled, provided to route handlers by the recording middleware. */
export class CurrentRequest extends Context.Service<CurrentRequest, RequestEntry>()(
  "@x-media/emulator/CurrentRequest"
) {}

const snapshot = (entry: RequestEntry): RecordedRequest => {
  const { startTick: _start, endTick: _end, ...rest } = entry
  return Object.freeze({ ...rest })
}

/** All request records of a run. */
export class Recorder {
  private entries: Array<RequestEntry> = []
  private seq = 0
  private tick = 0
  /** 429 answers sent, by user id (`""` for requests authentication refused). */
  private tooMany = new Map<string, number>()

  /** Opens the record of a request that just arrived. */
  begin(method: string, url: string, contentType: string | undefined, now: number): RequestEntry {
    const q = url.indexOf("?")
    const entry: RequestEntry = {
      seq: ++this.seq,
      method,
      path: q === -1 ? url : url.slice(0, q),
      query: q === -1 ? "" : url.slice(q + 1),
      dialect: undefined,
      step: undefined,
      mediaId: undefined,
      segmentIndex: undefined,
      startedAt: now,
      endedAt: undefined,
      auth: undefined,
      status: undefined,
      fault: undefined,
      dropped: false,
      bodyBytes: 0,
      contentType,
      error: undefined,
      userId: undefined,
      responseHeaders: {},
      startTick: ++this.tick,
      endTick: undefined
    }
    this.entries.push(entry)
    return entry
  }

  /** Closes a record: the answer was handed to the socket (`status`), or the connection was dropped. */
  end(entry: RequestEntry, status: number | undefined, now: number): void {
    if (entry.endTick !== undefined) return
    entry.endTick = ++this.tick
    entry.endedAt = now
    if (status === undefined || entry.dropped) {
      entry.dropped = true
      entry.status = undefined
    } else {
      entry.status = status
      if (status === 429) {
        const user = entry.userId ?? ""
        this.tooMany.set(user, (this.tooMany.get(user) ?? 0) + 1)
      }
    }
  }

  /** How many 429 answers were sent to `userId`, or to anyone when not given (limits and faults alike). */
  tooManyRequests(userId?: string): number {
    if (userId !== undefined) return this.tooMany.get(userId) ?? 0
    let total = 0
    for (const count of this.tooMany.values()) total += count
    return total
  }

  /** Every request so far, oldest first (copies). */
  all(): ReadonlyArray<RecordedRequest> {
    return this.entries.map(snapshot)
  }

  /** The largest number of APPENDs of `mediaId` that were in flight at the same moment. */
  maxConcurrentAppends(mediaId: string): number {
    const events: Array<readonly [tick: number, delta: number]> = []
    for (const entry of this.entries) {
      if (entry.step !== "APPEND" || entry.mediaId !== mediaId) continue
      events.push([entry.startTick, 1])
      events.push([entry.endTick ?? Number.MAX_SAFE_INTEGER, -1])
    }
    events.sort((a, b) => a[0] - b[0])
    let current = 0
    let max = 0
    for (const [, delta] of events) {
      current += delta
      if (current > max) max = current
    }
    return max
  }

  /** How many APPEND requests `mediaId` received. */
  appendCount(mediaId: string): number {
    return this.entries.filter((e) => e.step === "APPEND" && e.mediaId === mediaId).length
  }

  /** Forgets every record and count (requests in flight keep updating their own, now detached, records). */
  clear(): void {
    this.entries = []
    this.tooMany = new Map()
  }
}
