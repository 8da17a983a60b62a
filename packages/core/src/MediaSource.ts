/**
 * Where the bytes of an upload come from: a file (read as a stream or by segments, never whole but for
 * media sent in one request, up to 5 MiB), bytes in memory,
 * or a Stream of bytes with a declared size. Every source reports its size and its first bytes
 * (for type sniffing) before anything is sent, and checks while streaming that it yields exactly
 * the size it declared.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import * as Pull from "effect/Pull"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { MediaSourceError } from "./Errors.ts"
import { sniffLength } from "./MediaType.ts"

/**
 * An opened source: its size, its first bytes, and its bytes as a stream.
 *
 * @since 0.2.0
 * @category models
 */
export interface OpenedMedia {
  readonly size: number
  /** The first bytes (up to MediaType.sniffLength), for sniffing the media type. */
  readonly head: Uint8Array
  /**
   * The bytes from the start, in pieces of about `pieceSize` (any size is accepted downstream).
   * Fails with MediaSourceError (`changed`) when the bytes do not add up to `size`.
   */
  readonly stream: (pieceSize: number) => Stream.Stream<Uint8Array, MediaSourceError>
  /**
   * Random access, for sources that have it (files and bytes): the `length` bytes at `offset`,
   * read into `scratch` (at least `length` long) or, for bytes in memory, a view without copying.
   * The upload then reuses one buffer per APPEND in flight, so memory stays at chunk × concurrency
   * whatever the garbage collector does, and a resume reads only the missing segments.
   */
  readonly readAt?:
    | ((offset: number, length: number, scratch: Uint8Array) => Effect.Effect<Uint8Array, MediaSourceError>)
    | undefined
  /** Checks, after the last segment was read, that the source did not change meanwhile. */
  readonly verify?: Effect.Effect<void, MediaSourceError> | undefined
}

/** `fromBytes`'s `readAt` functions: they return views of bytes in memory and never fill `scratch`. */
const viewReaders = new WeakSet<object>()

/**
 * Whether `opened.readAt` is `fromBytes`'s, which returns views of the bytes in memory and never fills
 * its scratch buffer, so an upload gives it none. A `readAt` of your own (even over a spread
 * `fromBytes` source) gets one.
 *
 * @since 0.2.0
 * @category predicates
 */
export const readsViews = (opened: OpenedMedia): boolean =>
  opened.readAt !== undefined && viewReaders.has(opened.readAt)

/**
 * A source of media bytes; `R` is what opening it needs (FileSystem for files).
 *
 * @since 0.2.0
 * @category models
 */
export interface MediaSource<R = never> {
  /** How the source is named in errors (the path for files). */
  readonly name: string
  /** A file name whose extension is the fallback for sniffing, when there is one. */
  readonly fileName?: string | undefined
  /** Opens the source for one upload. Fails with MediaSourceError when it cannot be read. */
  readonly open: Effect.Effect<OpenedMedia, MediaSourceError, R | Scope.Scope>
}

const sourceError = (source: string, reason: MediaSourceError["reason"], detail: string, cause?: unknown) =>
  new MediaSourceError({ source, reason, detail, ...(cause === undefined ? {} : { cause }) })

/** Fails the stream when it does not yield exactly `size` bytes. */
const exactly = <R>(name: string, size: number) =>
(
  stream: Stream.Stream<Uint8Array, MediaSourceError, R>
): Stream.Stream<Uint8Array, MediaSourceError, R> =>
  Stream.suspend(() => {
    let seen = 0
    const changed = (actual: string) =>
      sourceError(
        name,
        "changed",
        `it was ${size} bytes when the upload started but ${actual}; it changed during the upload. Upload it again once it is complete.`
      )
    return stream.pipe(
      Stream.mapEffect((piece) => {
        seen += piece.byteLength
        return seen > size ? Effect.fail(changed(`has more bytes now`)) : Effect.succeed(piece)
      }),
      Stream.concat(Stream.fromEffect(Effect.suspend(() =>
        seen === size ? Effect.succeed(new Uint8Array(0)) : Effect.fail(changed(`ended after ${seen} bytes`))
      ))),
      Stream.filter((piece) =>
        piece.byteLength > 0
      )
    )
  })

/** Errors that say no file can be at the path: a name too long, a file used as a folder, a symlink loop. */
const pathErrorCodes: ReadonlySet<string> = new Set(["ENAMETOOLONG", "ENOTDIR", "ELOOP"])

/** The system's own words without the path it repeats (`ENAMETOOLONG: name too long`), and its code. */
const systemWords = (error: PlatformError.PlatformError): { readonly code?: string; readonly text: string } => {
  const reason = error.reason
  const cause = reason.cause
  if (cause instanceof Error) {
    const text = cause.message.replace(/, \w+ '.*'$/s, "")
    return "code" in cause && typeof cause.code === "string" ? { code: cause.code, text } : { text }
  }
  return { text: reason.description ?? reason._tag }
}

const fileError = (path: string, error: PlatformError.PlatformError): MediaSourceError => {
  const reason = error.reason
  if (reason._tag === "NotFound") return sourceError(path, "not-found", "no such file. Check the path.", error)
  if (reason._tag === "PermissionDenied") {
    return sourceError(path, "unreadable", "permission denied. Check the file's permissions.", error)
  }
  const { code, text } = systemWords(error)
  return code !== undefined && pathErrorCodes.has(code)
    ? sourceError(path, "not-found", `no file can be at this path (${text}). Check the path.`, error)
    : sourceError(path, "unreadable", `it could not be read (${text}).`, error)
}

/** The extension-bearing last part of a path. */
const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1)

/**
 * A file on disk, read through effect's FileSystem by segments or as a stream (never whole, but for
 * media sent in one request, up to 5 MiB). Opening it fails with
 * MediaSourceError when it is missing (`not-found`), a directory or device (`not-a-file`), or cannot
 * be read (`unreadable`); streaming fails with `changed` when its size changes during the upload.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromFile = (path: string): MediaSource<FileSystem.FileSystem> => ({
  name: path,
  fileName: baseName(path),
  open: Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(path).pipe(Effect.mapError((e) => fileError(path, e)))
    if (info.type !== "File") {
      return yield* sourceError(
        path,
        "not-a-file",
        `it is a ${info.type === "Directory" ? "directory" : info.type.toLowerCase()}, not a regular file.`
      )
    }
    const size = Number(info.size)
    const file = yield* fs.open(path, { flag: "r" }).pipe(Effect.mapError((e) => fileError(path, e)))
    const head = new Uint8Array(Math.min(size, sniffLength))
    if (head.byteLength > 0) {
      const read = yield* file.read(head).pipe(Effect.mapError((e) => fileError(path, e)))
      if (Number(read) < head.byteLength) {
        return yield* sourceError(path, "changed", "it became shorter while it was being opened.")
      }
    }
    const changed = (detail: string) =>
      sourceError(
        path,
        "changed",
        `it was ${size} bytes when the upload started but ${detail}; it changed during the upload. Upload it again once it is complete.`
      )
    const mtime = Option.getOrUndefined(info.mtime)?.getTime()
    const opened: OpenedMedia = {
      size,
      head,
      stream: (pieceSize) =>
        fs.stream(path, { chunkSize: pieceSize }).pipe(
          Stream.mapError((e) => fileError(path, e)),
          exactly(path, size)
        ),
      readAt: (offset, length, scratch) =>
        Effect.gen(function*() {
          const target = scratch.subarray(0, length)
          let filled = 0
          while (filled < length) {
            const read = Number(
              yield* file.read(target.subarray(filled), { position: BigInt(offset + filled) }).pipe(
                Effect.mapError((e) => fileError(path, e))
              )
            )
            if (read === 0) return yield* changed(`ended at ${offset + filled} bytes`)
            filled += read
          }
          return target
        }),
      verify: Effect.gen(function*() {
        const now = yield* fs.stat(path).pipe(Effect.mapError((e) => fileError(path, e)))
        if (Number(now.size) !== size) return yield* changed(`is ${Number(now.size)} bytes now`)
        const modified = Option.getOrUndefined(now.mtime)?.getTime()
        if (mtime !== undefined && modified !== undefined && modified !== mtime) {
          return yield* changed("was modified while it was read")
        }
      })
    }
    return opened
  })
})

/** A `readAt` over bytes in memory: views, no copy (see {@link readsViews}). */
const viewReader = (bytes: Uint8Array): NonNullable<OpenedMedia["readAt"]> => {
  const readAt = (offset: number, length: number) => Effect.succeed(bytes.subarray(offset, offset + length))
  viewReaders.add(readAt)
  return readAt
}

/**
 * Bytes already in memory. `name` labels them in errors; give a file name to enable the extension fallback.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array, name = "bytes"): MediaSource => ({
  name,
  fileName: name,
  open: Effect.succeed({
    size: bytes.byteLength,
    head: bytes.subarray(0, sniffLength),
    readAt: viewReader(bytes),
    stream: (pieceSize) =>
      Stream.fromIterable(function*() {
        for (let offset = 0; offset < bytes.byteLength; offset += pieceSize) {
          yield bytes.subarray(offset, Math.min(offset + pieceSize, bytes.byteLength))
        }
      }())
  })
})

/**
 * A Stream of bytes with a declared size. It is run once: the first bytes are held back for
 * sniffing and then sent first. A stream failure, or a stream that does not yield exactly `size`
 * bytes, fails the upload with MediaSourceError. Resuming needs a new stream over the same bytes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromStream = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  size: number,
  name = "stream"
): MediaSource<R> => ({
  name,
  fileName: name,
  open: Effect.gen(function*() {
    if (!Number.isSafeInteger(size) || size < 0) {
      return yield* sourceError(name, "unreadable", `its declared size ${size} is not a whole number of bytes.`)
    }
    const failed = (error: E) => sourceError(name, "unreadable", `the stream failed: ${String(error)}`, error)
    const pull = yield* Stream.toPull(Stream.mapError(stream, failed))
    const headPieces: Array<Uint8Array> = []
    let headBytes = 0
    let ended = false
    // oxlint-disable-next-line no-unmodified-loop-condition -- `ended` is set in the Pull.catchDone callback
    while (headBytes < sniffLength && !ended) {
      const pieces = yield* pull.pipe(
        Pull.catchDone(() => {
          ended = true
          return Effect.succeed([] as ReadonlyArray<Uint8Array>)
        })
      )
      for (const piece of pieces) {
        headPieces.push(piece)
        headBytes += piece.byteLength
      }
    }
    const head = new Uint8Array(Math.min(headBytes, sniffLength))
    let filled = 0
    for (const piece of headPieces) {
      if (filled >= head.byteLength) break
      const part = piece.subarray(0, head.byteLength - filled)
      head.set(part, filled)
      filled += part.byteLength
    }
    const rest: Stream.Stream<Uint8Array, MediaSourceError> = ended
      ? Stream.empty
      : Stream.fromPull(Effect.succeed(pull))
    let streamed = false
    const opened: OpenedMedia = {
      size,
      head,
      stream: () =>
        Stream.suspend(() => {
          if (streamed) {
            return Stream.fail(sourceError(name, "unreadable", "a stream source can be read only once."))
          }
          streamed = true
          return Stream.fromIterable(headPieces).pipe(Stream.concat(rest), exactly(name, size))
        })
    }
    return opened
  })
})
