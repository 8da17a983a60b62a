/**
 * Human-readable sizes, rates, durations and shared lines for the CLI's progress and summaries.
 *
 * @module
 */
import type { Progress } from "@x-media/core"

const units = ["B", "KiB", "MiB", "GiB"] as const

/** `512 B`, `3.0 KiB`, `12.4 MiB`. */
export const bytes = (n: number): string => {
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`
}

/** `850.0 KiB/s`; `-` when nothing can be said yet. */
export const rate = (bytesPerSecond: number): string =>
  Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? `${bytes(bytesPerSecond)}/s` : "-"

/** `0.4 s`, `12 s`, `3 min 05 s`. */
export const duration = (millis: number): string => {
  if (!Number.isFinite(millis) || millis < 0) return "-"
  if (millis < 10_000) return `${(millis / 1000).toFixed(1)} s`
  const seconds = Math.round(millis / 1000)
  if (seconds < 60) return `${seconds} s`
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`
}

/** `1 segment`, `16 segments`. */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`

/** The line saying a request waits for X's rate-limit window (or a pause X asked for). */
export const rateLimitWait = (step: string, until: Date): string =>
  `X's rate limit for ${step} is used up; waiting until ${until.toISOString()}.`

/** The line saying a request failed and is sent again: `Retrying APPEND of segment 3 in 1.2 s (attempt 2 of 5): …`. */
export const retrying = (event: Extract<Progress.UploadEvent, { readonly _tag: "Retrying" }>): string =>
  `Retrying ${event.segmentIndex === undefined ? event.step : `${event.step} of segment ${event.segmentIndex}`} in ${
    duration(event.delayMillis)
  } (attempt ${event.attempt} of ${event.maxAttempts}): ${event.reason}`
