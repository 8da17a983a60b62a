/**
 * What the CLI prints at the end: the result or the error, as the one JSON object of `--json` on
 * stdout, or for people (a summary on stderr, and on stdout only what a script wants: the media id
 * or the state).
 *
 * @module
 */
import type { MediaStatus, Upload } from "@x-media/core"
import * as Effect from "effect/Effect"
import type * as Stdio from "effect/Stdio"
import * as Format from "./Format.ts"
import * as Streams from "./Streams.ts"

/** The `--json` form of an uploaded media. */
export interface MediaJson {
  readonly media_id: string
  readonly media_key: string | null
  readonly media_type: string
  readonly media_category: string
  readonly size: number
  readonly state: string
  readonly expires_at: string
}

/** The `--json` result of `x-media upload`. */
export const mediaJson = (media: Upload.UploadedMedia): MediaJson => ({
  media_id: media.mediaId,
  media_key: media.mediaKey ?? null,
  media_type: media.mediaType,
  media_category: media.category,
  size: media.size,
  state: media.state,
  expires_at: media.expiresAt.toISOString()
})

/**
 * One entry of the `media` array of several uploads: the media's object, or the error of the file
 * that failed with the file it was.
 */
export type MediaEntry = MediaJson | { readonly file: string; readonly error: Record<string, unknown> }

/**
 * The `--json` result of an upload of several files (and the `media` of a post):
 * `{"media":[…one entry per file, in the order given…]}`.
 */
export const mediaListJson = (entries: ReadonlyArray<MediaEntry>): { readonly media: ReadonlyArray<MediaEntry> } => ({
  media: entries
})

/** The `--json` result of `x-media status`: what X said, in X's spelling. */
export const statusJson = (status: MediaStatus.MediaStatus): Record<string, string | number | null> => ({
  media_id: status.mediaId,
  media_key: status.mediaKey ?? null,
  state: status._tag === "Ready" ? "succeeded" : status.state,
  ...(status._tag === "Processing" && status.progressPercent !== undefined
    ? { progress_percent: status.progressPercent }
    : {}),
  ...(status._tag === "Processing" && status.checkAfterSecs !== undefined
    ? { check_after_secs: status.checkAfterSecs }
    : {}),
  ...(status.size === undefined ? {} : { size: status.size }),
  ...(status._tag === "Ready" && status.mediaType !== undefined ? { media_type: status.mediaType } : {}),
  expires_at: status.expiresAt.toISOString()
})

/** Any error with a tag and a message: x-media's typed errors, usage errors, the cli module's parse errors. */
export interface Reportable {
  readonly _tag: string
  readonly message: string
}

const notFields = new Set(["_tag", "message", "stack", "cause"])

/**
 * `{"error":{"_tag":…,"message":…,…fields}}`. The fields are the error's own data (dates as ISO
 * 8601, which `JSON.stringify` does); x-media's errors carry no secret, and a `Redacted` would print
 * as `<redacted>` anyway.
 */
export const errorJson = (error: Reportable): { readonly error: Record<string, unknown> } => {
  const fields: Record<string, unknown> = { _tag: error._tag, message: error.message }
  for (const [key, value] of Object.entries(error)) {
    if (!notFields.has(key)) fields[key] = value
  }
  return { error: fields }
}

/** Prints one JSON object and a newline on stdout. */
export const printJson = (value: unknown): Effect.Effect<void, never, Stdio.Stdio> =>
  Streams.out(`${JSON.stringify(value)}\n`)

/** Prints an error for people on stderr: what happened and what to do (the error's message). */
export const printError = (error: Reportable, hint?: string): Effect.Effect<void, never, Stdio.Stdio> =>
  Streams.err(`Error: ${error.message}\n${hint === undefined ? "" : `${hint}\n`}`)

/**
 * The summary of an upload for people (stderr), and the media id alone on stdout. `waitWith` is the
 * command that waits for a media still processing (with the flags that reach the same server), or
 * undefined when nothing can ask about it any more (the embedded emulator ended with the command).
 */
export const printUploaded = (
  media: Upload.UploadedMedia,
  source: string,
  waitWith: string | undefined
): Effect.Effect<void, never, Stdio.Stdio> =>
  Effect.gen(function*() {
    const ready = media.state === "succeeded"
    const lines = [
      ready
        ? `Uploaded ${source} as media ${media.mediaId}: ready to post.`
        : `Uploaded ${source} as media ${media.mediaId}; X is still processing it (${media.state}). ` +
          (waitWith === undefined
            ? "The embedded emulator ends with this command, and the media with it."
            : `Wait for it with: ${waitWith}`),
      ...(media.mediaKey === undefined ? [] : [`  media key   ${media.mediaKey}`]),
      `  type        ${media.mediaType} (${media.category}), ${Format.bytes(media.size)}`,
      `  state       ${media.state}`,
      `  expires at  ${media.expiresAt.toISOString()}`
    ]
    yield* Streams.err(`${lines.join("\n")}\n`)
    yield* Streams.out(`${media.mediaId}\n`)
  })

/** A status for people (stderr), and the state alone on stdout. */
export const printStatus = (status: MediaStatus.MediaStatus): Effect.Effect<void, never, Stdio.Stdio> =>
  Effect.gen(function*() {
    const state = status._tag === "Ready" ? "succeeded" : status.state
    const progress = status._tag === "Processing" && status.progressPercent !== undefined
      ? ` ${Math.round(status.progressPercent)}%`
      : ""
    const next = status._tag === "Processing"
      ? ` X is still processing it; wait for it with: x-media status ${status.mediaId} --wait`
      : " Ready to post."
    yield* Streams.err(
      `Media ${status.mediaId}: ${state}${progress} (expires at ${status.expiresAt.toISOString()}).${next}\n`
    )
    yield* Streams.out(`${state}\n`)
  })
