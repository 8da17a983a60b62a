/**
 * Asynchronous media processing as X reports it in `processing_info`: `pending` → `in_progress` (progress
 * rising, one step per STATUS) → `succeeded`, or `failed` with `{code,name,message}`. The state advances
 * only on a STATUS that arrives after the advertised `check_after_secs` has passed on the emulator clock; an
 * earlier STATUS gets the same state again and is counted as premature.
 *
 * @module
 */
import type { EmulatorConfig } from "./Options.ts"

/** X's processing error object. */
export interface ProcessingError {
  readonly code: number
  readonly name: string
  readonly message: string
}

/** The processing state of one media. */
export interface ProcessingState {
  state: "pending" | "in_progress" | "succeeded" | "failed"
  progress: number
  /** How many `in_progress` answers have been given. */
  step: number
  /** Emulator-clock time from which the next STATUS may advance the state. */
  nextCheckAt: number
  error: ProcessingError | undefined
  /** Stuck at `in_progress` with an error and no `check_after_secs` (fault); never advances. */
  stuck: boolean
  /** Set when the bytes are not what the media type claims: processing ends `failed` with this message. */
  invalid: string | undefined
}

/** A timer may fire a hair early; a STATUS this close to the advertised time still counts as on time. */
export const onTimeToleranceMillis = 10

/** Starts processing at FINALIZE: `pending`, next check after `checkAfterSecs`. */
export const start = (config: EmulatorConfig, now: number, invalid: string | undefined): ProcessingState => ({
  state: "pending",
  progress: 0,
  step: 0,
  nextCheckAt: now + config.processing.checkAfterSecs * 1000,
  error: undefined,
  stuck: false,
  invalid
})

/** True while processing can still change (not `succeeded`, `failed` or stuck). */
export const isActive = (p: ProcessingState): boolean =>
  !p.stuck && (p.state === "pending" || p.state === "in_progress")

/**
 * Handles a STATUS: advances one step when the advertised time has passed; otherwise leaves the state as it
 * is and reports the check as premature.
 */
export const onStatus = (config: EmulatorConfig, p: ProcessingState, now: number): { readonly premature: boolean } => {
  if (!isActive(p)) return { premature: false }
  if (now + onTimeToleranceMillis < p.nextCheckAt) return { premature: true }
  const steps = config.processing.inProgressSteps
  if (p.invalid !== undefined) {
    p.state = "failed"
    p.error = { code: 1, name: "InvalidMedia", message: p.invalid }
    return { premature: false }
  }
  if (p.step < steps) {
    p.state = "in_progress"
    p.step += 1
    p.progress = Math.round((100 * p.step) / (steps + 1))
  } else {
    p.state = "succeeded"
    p.progress = 100
  }
  p.nextCheckAt = now + config.processing.checkAfterSecs * 1000
  return { premature: false }
}

/** Forces `in_progress` with an `InvalidMedia` error and no `check_after_secs`, for good. */
export const stick = (p: ProcessingState, message: string): void => {
  p.state = "in_progress"
  p.stuck = true
  p.progress = Math.max(p.progress, 99)
  p.error = { code: 1, name: "InvalidMedia", message }
}

/** Forces `failed` with the given error. */
export const fail = (p: ProcessingState, error: ProcessingError): void => {
  p.state = "failed"
  p.stuck = false
  p.error = error
}

/** The `processing_info` object X sends for this state. */
export const info = (config: EmulatorConfig, p: ProcessingState): Record<string, unknown> => {
  const checkAfterSecs = config.processing.checkAfterSecs
  if (p.stuck) return { state: "in_progress", progress_percent: p.progress, error: p.error }
  switch (p.state) {
    case "pending":
      return { state: "pending", check_after_secs: checkAfterSecs }
    case "in_progress":
      return { state: "in_progress", check_after_secs: checkAfterSecs, progress_percent: p.progress }
    case "succeeded":
      return { state: "succeeded", progress_percent: 100 }
    case "failed":
      return { state: "failed", progress_percent: p.progress, error: p.error }
  }
}
