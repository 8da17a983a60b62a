/**
 * The emulator's notion of "now": effect's `Clock` (the real time, or a `TestClock` where the emulator runs
 * in the test's fiber) plus an offset that tests move forward with `advanceClock(ms)`. Expiry, processing
 * (`check_after_secs`), rate-limit windows and request times read `now()`. OAuth 1.0a timestamps are
 * checked against `clockNow()` instead, without the offset, because clients sign with their own clock.
 *
 * @module
 */
import type { Clock } from "effect"

/** effect's `Clock` with an adjustable offset. */
export class EmulatorClock {
  private offsetMillis = 0

  constructor(private readonly clock: Clock.Clock) {}

  /** Milliseconds since the epoch on the emulator clock (the `Clock`'s time plus the offset). */
  now(): number {
    return this.clock.currentTimeMillisUnsafe() + this.offsetMillis
  }

  /** Milliseconds since the epoch on effect's `Clock`, without the offset. */
  clockNow(): number {
    return this.clock.currentTimeMillisUnsafe()
  }

  /** Moves the emulator clock forward (or back, with a negative number) by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`advanceClock expects a finite number of milliseconds, got ${ms}`)
    this.offsetMillis += ms
  }

  /** How far the emulator clock is ahead of effect's `Clock`, in milliseconds. */
  get offset(): number {
    return this.offsetMillis
  }
}
