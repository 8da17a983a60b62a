/**
 * How an upload's `onProgress` listener reaches the requests under it: `Upload` provides the
 * listener as this context reference, and the XClient's retries and rate-limit waits report to it,
 * so every event of an upload comes out of the one `onProgress` option.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { ProgressListener, UploadEvent } from "../Progress.ts"

/** The progress listener of the running upload (none outside an upload). */
export const CurrentProgressListener = Context.Reference<ProgressListener>(
  "@x-media/core/Progress/CurrentProgressListener",
  { defaultValue: () => () => Effect.void }
)

/** Reports an event to the running upload's listener, if any. */
export const report = (event: UploadEvent): Effect.Effect<void> =>
  Effect.flatMap(CurrentProgressListener, (listener) => listener(event))
