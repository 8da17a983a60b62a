/**
 * How progress listeners reach the requests under them. `Upload` provides its listener as
 * `CurrentProgressListener`, and the XClient's retries and rate-limit waits report to it, so every
 * event of an upload comes out of the one `onProgress` option. `Progress.withListener` provides its
 * listener as both references: requests outside an upload report to it, and an upload without its
 * own `onProgress` takes it from `GivenProgressListener` (never from the upload it may run inside).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { ProgressListener, UploadEvent } from "../Progress.ts"

const none: ProgressListener = () => Effect.void

/** The listener the requests report to: the running upload's, else the one `Progress.withListener` gave. */
export const CurrentProgressListener = Context.Reference<ProgressListener>(
  "@x-media/core/Progress/CurrentProgressListener",
  { defaultValue: () => none }
)

/** The listener `Progress.withListener` gave, for uploads without their own. */
export const GivenProgressListener = Context.Reference<ProgressListener>(
  "@x-media/core/Progress/GivenProgressListener",
  { defaultValue: () => none }
)

/** Reports an event to the listener of the running upload or of `Progress.withListener`, if any. */
export const report = (event: UploadEvent): Effect.Effect<void> =>
  Effect.flatMap(CurrentProgressListener, (listener) => listener(event))
