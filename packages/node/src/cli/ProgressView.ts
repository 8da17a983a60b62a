/**
 * Shows an upload's progress events on stderr. On a terminal: a bar for the upload (bytes, rate,
 * ETA), then one for X's processing (state, percent), each redrawn in place, with notes (retries,
 * rate-limit waits) printed above the bar. Elsewhere (a pipe, a file, CI logs): no control
 * characters, one plain line per phase: planned, initialized, upload done, finalized, each
 * processing update, ready. With several uploads at once, each line names its file and nothing is
 * redrawn.
 *
 * @module
 */
import { Progress } from "@x-media/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Stdio from "effect/Stdio"
import type * as Terminal from "effect/Terminal"
import * as Format from "./Format.ts"
import * as Streams from "./Streams.ts"

/** A view of one upload's progress. */
export interface ProgressView {
  /** Give this to `Upload.upload` / `Upload.resume` as `onProgress`. */
  readonly listener: Progress.ProgressListener
  /** Ends a line being redrawn, so that what is printed next starts on a fresh line. */
  readonly settle: Effect.Effect<void>
}

/** Shortest time between two redraws of the upload bar. */
const redrawMillis = 80

const clearLine = "\r\x1b[2K"

const bar = (fraction: number, width: number): string => {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0))
  const filled = Math.round(clamped * width)
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`
}

const percent = (fraction: number): string =>
  `${String(Math.floor(Math.max(0, Math.min(1, fraction)) * 100)).padStart(3)}%`

/** Options of {@link make}. */
export interface Options {
  /** Put before every line (the file's name when several are uploaded at once). */
  readonly label?: string | undefined
  /** Redraw bars in place; default: when stderr is a terminal that takes cursor control. */
  readonly animate?: boolean | undefined
}

/** Makes the view for one upload, on stderr. */
export const make = (options: Options = {}): Effect.Effect<ProgressView, never, Stdio.Stdio | Terminal.Terminal> =>
  Effect.gen(function*() {
    const terminal = options.animate ?? (yield* Streams.errAnimates)
    const columns = yield* Streams.columns
    const prefix = options.label === undefined ? "" : `${options.label}: `
    const context = yield* Effect.context<Stdio.Stdio>()
    const io = {
      err: (text: string) => Effect.provideContext(Streams.err(text), context),
      columns: () => columns
    }
    let totalBytes = 0
    let bytesSent = 0
    let bytesAtStart = 0
    let startedAt = 0
    let lastDraw = 0
    let uploadDone = false
    /** The line currently redrawn in place, if any (terminal only). */
    let live: string | undefined
    let lastProcessing = ""
    /** The rate-limit wait last reported: every request held by the same window reports it. */
    let lastWait = ""

    const fit = (text: string) => {
      const width = Math.max(20, io.columns() - 1)
      return text.length > width ? text.slice(0, width) : text
    }

    /** Replaces the live line (terminal). */
    const draw = (text: string) =>
      Effect.suspend(() => {
        live = fit(text)
        return io.err(`${clearLine}${live}`)
      })

    /** A finished line: above the live line on a terminal (which is then drawn again), plain otherwise. */
    const note = (line: string) =>
      Effect.suspend(() => {
        const text = `${prefix}${line}`
        if (!terminal) return io.err(`${text}\n`)
        const again = live
        return io.err(`${live === undefined ? "" : clearLine}${text}\n${again === undefined ? "" : again}`)
      })

    /** Replaces the live line with a finished line. */
    const conclude = (line: string) =>
      Effect.suspend(() => {
        const text = `${prefix}${line}`
        if (!terminal) return io.err(`${text}\n`)
        const clear = live === undefined ? "" : clearLine
        live = undefined
        return io.err(`${clear}${text}\n`)
      })

    const settle = Effect.suspend(() => {
      if (live === undefined) return Effect.void
      live = undefined
      return io.err("\n")
    })

    const uploadLine = (now: number) => {
      const elapsed = Math.max(1, now - startedAt)
      const speed = ((bytesSent - bytesAtStart) * 1000) / elapsed
      const eta = speed > 0 ? ((totalBytes - bytesSent) * 1000) / speed : Number.NaN
      const fraction = totalBytes === 0 ? 1 : bytesSent / totalBytes
      const text = `${percent(fraction)}  ${Format.bytes(bytesSent)} / ${Format.bytes(totalBytes)}  ${
        Format.rate(speed)
      }  ETA ${Format.duration(eta)}`
      const width = Math.max(10, Math.min(40, io.columns() - text.length - 14))
      return `Uploading ${bar(fraction, width)} ${text}`
    }

    const processingLine = (state: string, progressPercent: number | undefined, checkAfterSecs: number | undefined) => {
      const shown = progressPercent === undefined ? "" : `${percent(progressPercent / 100)}  `
      const next = checkAfterSecs === undefined || checkAfterSecs <= 0 ? "" : `, next check in ${checkAfterSecs} s`
      const text = `${shown}${state}${next}`
      const width = Math.max(10, Math.min(40, io.columns() - text.length - 14))
      return `Processing ${bar((progressPercent ?? 0) / 100, width)} ${text}`
    }

    const uploadSummary = (now: number) => {
      const elapsed = Math.max(1, now - startedAt)
      const sentNow = bytesSent - bytesAtStart
      return `Upload done: ${Format.bytes(sentNow)} in ${Format.duration(elapsed)} (${
        Format.rate((sentNow * 1000) / elapsed)
      }).`
    }

    const listener: Progress.ProgressListener = (event) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        switch (event._tag) {
          case "Planned":
            totalBytes = event.totalBytes
            // A one-request upload (an image) has no Initialized event: its time counts from here.
            startedAt = now
            return note(
              `Planned: ${event.source}, ${Format.bytes(event.totalBytes)}, ${event.mediaType} (${event.category}), ${
                event.oneRequest
                  ? "in one request"
                  : event.segmentCount === 1
                  ? "in 1 segment"
                  : `in ${event.segmentCount} segments of ${Format.bytes(event.chunkSize)}`
              }.`
            )
          case "ChunkedInstead":
            return note(
              `X did not take it in one request (${event.reason}); uploading it in ${
                event.segmentCount === 1
                  ? "1 segment"
                  : `${event.segmentCount} segments of ${Format.bytes(event.chunkSize)}, ${event.concurrency} at a time`
              } instead.`
            )
          case "Initialized": {
            bytesSent = event.bytesAlreadySent
            bytesAtStart = event.bytesAlreadySent
            startedAt = now
            uploadDone = totalBytes > 0 && bytesSent >= totalBytes
            const until = `X keeps the unfinished upload open until ${event.expiresAt.toISOString()}.`
            const text = !event.resumed
              ? `Initialized media ${event.mediaId}; ${until}`
              : event.finalized === true
              ? `Resumed media ${event.mediaId}: finalized already, ${Format.bytes(event.bytesAlreadySent)} on X.`
              : `Resumed media ${event.mediaId}: ${Format.bytes(event.bytesAlreadySent)} already on X; ${until}`
            return Effect.andThen(
              note(text),
              terminal && !uploadDone && totalBytes > 0 ? draw(uploadLine(now)) : Effect.void
            )
          }
          case "SegmentSent": {
            totalBytes = event.totalBytes
            bytesSent = Math.max(bytesSent, event.bytesSent)
            if (bytesSent >= totalBytes && !uploadDone) {
              uploadDone = true
              return conclude(uploadSummary(now))
            }
            if (!terminal || now - lastDraw < redrawMillis) return Effect.void
            lastDraw = now
            return draw(uploadLine(now))
          }
          case "Retrying":
            return note(Format.retrying(event))
          case "Adapted":
            return note(
              `Segment ${event.segmentIndex} got no answer within ${
                Progress.secondsText(event.idleTimeoutMillis)
              }; the link is slow: now ${Format.plural(event.concurrency, "segment")} of ${
                Format.bytes(event.chunkSize)
              } at a time; --concurrency, --chunk-size and --timeout change this.`
            )
          case "RateLimitWait": {
            const until = event.until.toISOString()
            if (`${event.step} ${until}` === lastWait) return Effect.void
            lastWait = `${event.step} ${until}`
            return note(Format.rateLimitWait(event.step, event.until))
          }
          case "Finalized": {
            const status = event.status
            if (status._tag === "Ready") return conclude("Finalized: no processing needed.")
            lastProcessing = `${status.state}:${status.progressPercent ?? ""}`
            return Effect.andThen(
              conclude(`Finalized: X is processing the media (${status.state}).`),
              terminal ? draw(processingLine(status.state, status.progressPercent, status.checkAfterSecs)) : Effect.void
            )
          }
          case "ProcessingUpdate": {
            const key = `${event.state}:${event.progressPercent ?? ""}`
            if (key === lastProcessing) return Effect.void
            lastProcessing = key
            if (terminal) return draw(processingLine(event.state, event.progressPercent, event.checkAfterSecs))
            const shown = event.progressPercent === undefined ? "" : ` ${Math.round(event.progressPercent)}%`
            return io.err(`${prefix}Processing: ${event.state}${shown}.\n`)
          }
          case "AltTextSet":
            return note("Alt text set.")
          case "Ready":
            return conclude(
              `Ready: media ${event.mediaId} can be attached to a post until it expires at ${event.expiresAt.toISOString()}.`
            )
        }
      })

    return { listener, settle }
  })
