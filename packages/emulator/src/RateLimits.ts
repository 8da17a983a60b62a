/**
 * Per-user, per-step fixed rate-limit windows (X's numbers and 15 minutes unless configured). Every answer
 * carries `x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch seconds on the
 * emulator clock, rounded up); when enforcement is on, a request past the limit is answered 429 code 88.
 *
 * @module
 */
import type { EmulatorConfig, Step } from "./Options.ts"

/** The three rate-limit headers of one answer. */
export interface RateLimitState {
  readonly limit: number
  readonly remaining: number
  /** Epoch seconds when the window resets. */
  readonly reset: number
}

/** The header form of a `RateLimitState`. */
export const rateLimitHeaders = (state: RateLimitState): Record<string, string> => ({
  "x-rate-limit-limit": String(state.limit),
  "x-rate-limit-remaining": String(state.remaining),
  "x-rate-limit-reset": String(state.reset)
})

interface Window {
  /** Emulator-clock milliseconds at which the window ends: a whole second, as `x-rate-limit-reset` says. */
  end: number
  used: number
}

/**
 * Fixed windows per (user, step), each opened by the user's first request for the step after the previous
 * one ended, and lasting the configured window rounded up to the next whole second (so the window ends
 * exactly at the `x-rate-limit-reset` it announces).
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>()

  constructor(private readonly config: EmulatorConfig) {}

  private window(user: string, step: Step, now: number): Window {
    const key = `${user}\u0000${step}`
    let window = this.windows.get(key)
    if (window === undefined || now >= window.end) {
      window = { end: Math.ceil((now + this.config.rateLimits.windowMillis) / 1000) * 1000, used: 0 }
      this.windows.set(key, window)
    }
    return window
  }

  /**
   * Counts one request of `user` for `step` and says whether it is allowed (always, unless enforcement is on
   * and the window is used up), with the headers to send.
   */
  take(user: string, step: Step, now: number): { readonly allowed: boolean; readonly state: RateLimitState } {
    const limit = this.config.rateLimits.limits[step]
    const window = this.window(user, step, now)
    const reset = this.resetOf(window)
    if (window.used >= limit && this.config.rateLimits.enforced) {
      return { allowed: false, state: { limit, remaining: 0, reset } }
    }
    window.used += 1
    return { allowed: true, state: { limit, remaining: Math.max(0, limit - window.used), reset } }
  }

  /** The headers for `user` and `step` without counting a request (refused or unrouted requests). */
  peek(user: string, step: Step, now: number): RateLimitState {
    const limit = this.config.rateLimits.limits[step]
    const window = this.window(user, step, now)
    return { limit, remaining: Math.max(0, limit - window.used), reset: this.resetOf(window) }
  }

  private resetOf(window: Window): number {
    return window.end / 1000
  }

  /** Forgets every window. */
  clear(): void {
    this.windows.clear()
  }
}
