/**
 * One slow uplink shared by every connection: request bodies are pulled from their sockets no faster than
 * `bytesPerSecond` all together. Bodies are read as streams with backpressure, so while a body waits here
 * its socket is not read, the kernel buffers fill, and the client's writes stall as they would on a slow
 * link. Time is effect's `Clock` (the real time unless a `TestClock` is provided).
 *
 * @module
 */
import { Clock, Duration, Effect } from "effect"
import type { Throttle } from "./Options.ts"

/** The shared link. `set` changes or removes its rate; bytes already admitted keep their slot. */
export class Link {
  private throttle: Throttle | undefined
  /** Clock time at which the link has carried every byte admitted so far. */
  private busyUntil = 0

  constructor(throttle: Throttle | undefined) {
    this.throttle = throttle
  }

  /** The current rate, or `undefined` when unthrottled. */
  get current(): Throttle | undefined {
    return this.throttle
  }

  /** Sets the rate (`undefined`: unthrottled). */
  set(throttle: Throttle | undefined): void {
    this.throttle = throttle
  }

  /**
   * Waits until `bytes` more have crossed the link: each batch takes its turn after the ones before it (from
   * any connection), for `bytes / bytesPerSecond` seconds. An idle link does not save up credit.
   */
  carry(bytes: number): Effect.Effect<void> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const throttle = this.throttle
      if (throttle === undefined || bytes === 0) return Effect.void
      this.busyUntil = Math.max(now, this.busyUntil) + (bytes * 1000) / throttle.bytesPerSecond
      return Effect.sleep(Duration.millis(this.busyUntil - now))
    })
  }
}
