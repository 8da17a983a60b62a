/**
 * `--session FILE`: the upload session saved as JSON (`UploadSession.encodeSession`) after INIT and
 * after every segment, so an interrupted upload can be resumed by sending only what X does not have.
 * Every save writes a temporary file next to FILE and renames it over FILE, so FILE always holds a
 * complete session; saves are serialized and never replace a session with an older one.
 *
 * @module
 */
import { UploadSession } from "@x-media/core"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Semaphore from "effect/Semaphore"
import { UsageError } from "./Failure.ts"

/** One session file. */
export interface SessionFile {
  /** The path given with `--session`. */
  readonly path: string
  /**
   * The saved session: None when FILE does not exist. Fails with UsageError when FILE exists but
   * cannot be read or is not an x-media session.
   */
  readonly load: Effect.Effect<Option.Option<UploadSession.UploadSession>, UsageError>
  /**
   * Saves a session atomically. Never fails: a failed write is reported to `onWriteError`. Succeeds
   * with whether FILE now holds this session or a later one of the same media (false: the write failed).
   */
  readonly save: (session: UploadSession.UploadSession) => Effect.Effect<boolean>
  /** Deletes FILE (after a successful upload); a missing FILE is fine. */
  readonly remove: Effect.Effect<void>
}

/** How far a session has got: finalized beats any number of segments. */
export const progressOf = (session: UploadSession.UploadSession): number =>
  session.finalized ? Number.MAX_SAFE_INTEGER : session.segmentsDone.length

/**
 * Opens the session file at `path`. `onWriteError` hears about a save that failed (the upload goes
 * on; only its resumability suffers).
 */
export const make = (
  path: string,
  onWriteError: (detail: string) => Effect.Effect<void>
): Effect.Effect<SessionFile, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const lock = yield* Semaphore.make(1)
    const temporary = `${path}.${process.pid}.tmp`
    let saved: { readonly mediaId: string; readonly progress: number } | undefined

    const load = fs.readFileString(path).pipe(
      Effect.map(Option.some),
      Effect.catch((error) =>
        error.reason._tag === "NotFound"
          ? Effect.succeed(Option.none<string>())
          : Effect.fail(new UsageError({ detail: `Cannot read the session file ${path}: ${error.reason.message}.` }))
      ),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<UploadSession.UploadSession>()),
        onSome: (text) =>
          UploadSession.decodeSession(text).pipe(
            Effect.map(Option.some),
            Effect.mapError(() =>
              new UsageError({
                detail: `${path} is not an x-media upload session. Delete it, or give --session another path.`
              })
            )
          )
      }))
    )

    const save = (session: UploadSession.UploadSession) =>
      Effect.gen(function*() {
        const progress = progressOf(session)
        if (saved !== undefined && saved.mediaId === session.mediaId && saved.progress > progress) return true
        yield* fs.writeFileString(temporary, `${UploadSession.encodeSession(session)}\n`)
        yield* fs.rename(temporary, path)
        saved = { mediaId: session.mediaId, progress }
        return true
      }).pipe(
        Effect.catch((error) =>
          Effect.as(onWriteError(`Could not save the upload session to ${path}: ${error.message}`), false)
        ),
        lock.withPermit,
        Effect.uninterruptible
      )

    const remove = fs.remove(path, { force: true }).pipe(Effect.ignore)

    return { path, load, save, remove }
  })
