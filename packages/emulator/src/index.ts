/**
 * @x-media/emulator: a local server that behaves like X's media upload endpoints (v1.1 and v2 on one port)
 * and `POST /2/tweets`, serves several users, verifies OAuth 1.0a signatures and OAuth 2.0 tokens, enforces
 * X's upload and post rules with X's error shapes, simulates asynchronous processing on a controllable
 * clock, enforces configurable rate limits, throttles its uplink, injects faults, and records everything it
 * receives for tests to assert on.
 *
 * @module
 */
export type { AuthResult } from "./Auth.ts"
export {
  describeStartError,
  Emulator,
  type EmulatorHandle,
  type EmulatorStartError,
  type RunningEmulator,
  startEmulator
} from "./Emulator.ts"
export { Fault, type FaultRule, type FaultTag, type RetryAfterForm } from "./Faults.ts"
export type { MediaKind } from "./MediaIds.ts"
export {
  defaultRateLimits,
  defaultRateLimitWindowMillis,
  type Dialect,
  type EmulatorCredentials,
  type EmulatorOptions,
  type EmulatorUser,
  type EmulatorUserOptions,
  type RateLimitOptions,
  type Step,
  type Throttle
} from "./Options.ts"
export type { RecordedPost } from "./Posts.ts"
export type { ProcessingError } from "./Processing.ts"
export type { RecordedRequest } from "./Recorder.ts"
export type {
  FoundMediaOrigin,
  MediaState,
  RecordedMedia,
  RecordedSegment,
  RecordedSubtitles,
  SensitiveMediaWarning
} from "./Store.ts"
export { weightedLength } from "./TextLength.ts"
