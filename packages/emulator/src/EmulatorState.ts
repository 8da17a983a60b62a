/**
 * Everything one running emulator holds: its configuration, clock, sessions, posts, request records, fault
 * rules, rate-limit windows, seen nonces and the (possibly throttled) uplink. Route handlers read and change
 * it; the handle exposes it to tests.
 *
 * @module
 */
import type { EmulatorClock } from "./EmulatorClock.ts"
import { FaultEngine } from "./Faults.ts"
import { NonceCache } from "./OAuth1.ts"
import type { EmulatorConfig } from "./Options.ts"
import { PostStore } from "./Posts.ts"
import { RateLimiter } from "./RateLimits.ts"
import { Recorder } from "./Recorder.ts"
import type { RecordedMedia, Session, Store } from "./Store.ts"
import { Link } from "./Throttle.ts"

/** The state of one emulator run. */
export class EmulatorState {
  readonly recorder = new Recorder()
  readonly posts = new PostStore()
  readonly faults: FaultEngine
  readonly limiter: RateLimiter
  readonly nonces = new NonceCache()
  readonly link: Link

  constructor(
    readonly config: EmulatorConfig,
    readonly clock: EmulatorClock,
    readonly store: Store
  ) {
    this.faults = new FaultEngine(config.faults)
    this.limiter = new RateLimiter(config)
    this.link = new Link(config.throttle)
  }

  /** The media as tests see it, with the APPEND figures from the request records. */
  recordedMedia(session: Session): RecordedMedia {
    return this.store.snapshot(session, {
      requests: this.recorder.appendCount(session.id),
      maxConcurrent: this.recorder.maxConcurrentAppends(session.id)
    })
  }
}
