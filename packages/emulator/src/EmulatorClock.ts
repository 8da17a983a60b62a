/**
 * The emulator's notion of "now": the real time plus an offset that tests move forward with
 * `advanceClock(ms)`. Expiry, processing (`check_after_secs`) and rate-limit windows read this clock.
 * OAuth 1.0a timestamps are checked against the real time instead, because clients sign with theirs.
 *
 * @module
 */

/** A real-time clock with an adjustable offset. */
export class EmulatorClock {
  private offsetMillis = 0

  /** Milliseconds since the epoch on the emulator clock. */
  now(): number {
    return Date.now() + this.offsetMillis
  }

  /** Moves the emulator clock forward (or back, with a negative number) by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`advanceClock expects a finite number of milliseconds, got ${ms}`)
    this.offsetMillis += ms
  }

  /** How far the emulator clock is ahead of the real time, in milliseconds. */
  get offset(): number {
    return this.offsetMillis
  }
}
