/**
 * @x-media/emulator: a local server that behaves like X's media upload endpoints (v1.1 and v2 on one port),
 * verifies OAuth 1.0a signatures and OAuth 2.0 tokens, enforces X's upload rules with X's error shapes,
 * simulates asynchronous processing on a controllable clock, injects faults, and records everything it
 * receives for tests to assert on.
 *
 * @module
 */
export {
  Emulator,
  type EmulatorHandle,
  type EmulatorStartError,
  type RunningEmulator,
  startEmulator
} from "./Emulator.ts"
export { Fault, type FaultRule, type FaultTag } from "./Faults.ts"
export type { AuthResult } from "./Auth.ts"
export type { MediaKind } from "./MediaIds.ts"
export { type Dialect, type EmulatorCredentials, type EmulatorOptions, type Step } from "./Options.ts"
export type { ProcessingError } from "./Processing.ts"
export type { RecordedRequest } from "./Recorder.ts"
export type { MediaState, RecordedMedia, RecordedSegment } from "./Store.ts"
