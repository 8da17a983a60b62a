/**
 * `-` as a file: the media is read from standard input. X's INIT needs the total size first, and a
 * pipe's size is known only at its end, so standard input is first copied into a private temporary
 * file (in a directory only this user can read, deleted when the command ends), then uploaded from
 * there like any file (read in segments, retried, resumable within the run). Copying stops with
 * `StandardInputTooLarge` as soon as more bytes arrive than X takes for the category (or, with no
 * `--category`, for any category), so an endless pipe cannot fill the disk.
 *
 * @module
 */
import { MediaCategory, MediaSource } from "@x-media/core"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type * as Scope from "effect/Scope"
import * as Stdio from "effect/Stdio"
import * as Stream from "effect/Stream"
import { StandardInputTooLarge, UsageError } from "./Failure.ts"

/** The argument that stands for standard input. */
export const marker = "-"

/** How standard input is named in progress and errors. */
export const name = "standard input"

/** The most bytes standard input may bring: X's limit of `category`, else the largest of all. */
export const limitFor = (
  category: string | undefined
): { readonly limit: number; readonly category: string | undefined } => {
  const known = MediaCategory.mediaCategories.find((c) => c === category)
  return known === undefined
    ? { limit: Math.max(...Object.values(MediaCategory.defaultByteLimits)), category: undefined }
    : { limit: MediaCategory.byteLimit(known), category: known }
}

/**
 * Copies standard input into a private temporary file for the current scope and returns a source
 * reading it, named "standard input". Fails with StandardInputTooLarge past the limit, and with
 * UsageError when the temporary file cannot be written.
 */
export const spool = (
  category: string | undefined
): Effect.Effect<
  MediaSource.MediaSource<FileSystem.FileSystem>,
  StandardInputTooLarge | UsageError,
  Stdio.Stdio | FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const stdio = yield* Stdio.Stdio
    const { category: known, limit } = limitFor(category)
    const cannot = (what: string) => (error: { readonly message: string }) =>
      new UsageError({
        detail: `Cannot ${what} to hold standard input: ${error.message}. Give the file by path instead.`
      })
    // mkdtemp makes the directory readable by this user only.
    const directory = yield* fs.makeTempDirectoryScoped({ prefix: "x-media-stdin-" }).pipe(
      Effect.mapError(cannot("create a temporary directory"))
    )
    const path = `${directory}/stdin`
    let received = 0
    const counted = stdio.stdin.pipe(
      Stream.mapError(cannot("read standard input")),
      Stream.mapEffect((bytes) => {
        received += bytes.byteLength
        return received > limit
          ? Effect.fail(new StandardInputTooLarge({ limit, ...(known === undefined ? {} : { category: known }) }))
          : Effect.succeed(bytes)
      })
    )
    yield* Stream.run(counted, fs.sink(path, { flag: "w", mode: 0o600 })).pipe(
      Effect.mapError((error) => error._tag === "PlatformError" ? cannot("write a temporary file")(error) : error)
    )
    const file = MediaSource.fromFile(path)
    return { ...file, name, fileName: undefined }
  })
