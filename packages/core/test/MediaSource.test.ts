import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fromBytes, fromFile, fromStream, readsViews } from "../src/MediaSource.ts"

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  Stream.runCollect(stream).pipe(Effect.map((pieces) => Buffer.concat(Array.from(pieces))))

const withDir = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "x-media-source-"))),
    f,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

describe("MediaSource.fromFile", () => {
  it.effect("reports size and head, and streams the exact bytes", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const bytes = Buffer.alloc(10_363, 7)
        bytes.write("\x89PNG\r\n\x1a\n", 0, "latin1")
        const path = join(dir, "a.png")
        writeFileSync(path, bytes)
        const opened = yield* fromFile(path).open
        expect(opened.size).toBe(10_363)
        expect(Buffer.from(opened.head.subarray(0, 8)).toString("latin1")).toBe("\x89PNG\r\n\x1a\n")
        expect((yield* collect(opened.stream(4096))).equals(bytes)).toBe(true)
      })
    ).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("a missing file and a directory are typed errors", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const missing = yield* fromFile(join(dir, "nope.mp4")).open.pipe(Effect.flip)
        expect(missing).toMatchObject({ _tag: "MediaSourceError", reason: "not-found" })
        const directory = yield* fromFile(dir).open.pipe(Effect.flip)
        expect(directory).toMatchObject({ _tag: "MediaSourceError", reason: "not-a-file" })
      })
    ).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("a path no file can be at says why in the system's words, without repeating the path", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        // A name over the file system's 255 bytes, and a file used as a folder.
        const long = yield* fromFile(join(dir, `${"y".repeat(300)}.mp4`)).open.pipe(Effect.flip)
        expect(long).toMatchObject({ _tag: "MediaSourceError", reason: "not-found" })
        expect(long.detail).toBe("no file can be at this path (ENAMETOOLONG: name too long). Check the path.")
        writeFileSync(join(dir, "a.mp4"), "x")
        const under = yield* fromFile(join(dir, "a.mp4", "b.mp4")).open.pipe(Effect.flip)
        expect(under).toMatchObject({ _tag: "MediaSourceError", reason: "not-found" })
        expect(under.detail).toBe("no file can be at this path (ENOTDIR: not a directory). Check the path.")
      })
    ).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("a file that shrinks or grows after opening fails with reason changed", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const path = join(dir, "v.mp4")
        writeFileSync(path, Buffer.alloc(100_000, 1))
        const opened = yield* fromFile(path).open
        truncateSync(path, 50_000)
        const shrunk = yield* collect(opened.stream(8192)).pipe(Effect.flip)
        expect(shrunk).toMatchObject({ _tag: "MediaSourceError", reason: "changed" })
        writeFileSync(path, Buffer.alloc(150_000, 1))
        const grown = yield* collect(opened.stream(8192)).pipe(Effect.flip)
        expect(grown).toMatchObject({ _tag: "MediaSourceError", reason: "changed" })
      })
    ).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))
})

describe("MediaSource.fromFile random access", () => {
  it.effect("reads segments at their offsets into the scratch buffer", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251))
        const path = join(dir, "v.mp4")
        writeFileSync(path, bytes)
        const opened = yield* fromFile(path).open
        const scratch = new Uint8Array(4096)
        const second = yield* opened.readAt!(4096, 4096, scratch)
        expect(second.buffer).toBe(scratch.buffer)
        expect(Buffer.from(second).equals(bytes.subarray(4096, 8192))).toBe(true)
        const last = yield* opened.readAt!(8192, 1808, scratch)
        expect(Buffer.from(last).equals(bytes.subarray(8192))).toBe(true)
        yield* opened.verify!
        expect(readsViews(opened)).toBe(false)
      })
    ).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("fromBytes reads views and needs no scratch buffer; a readAt of your own over it does", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(100).map((_, i) => i)
      const opened = yield* fromBytes(bytes).open
      expect(readsViews(opened)).toBe(true)
      const view = yield* opened.readAt!(10, 20, new Uint8Array(0))
      expect(view.buffer).toBe(bytes.buffer)
      expect([...view]).toEqual([...bytes.subarray(10, 30)])
      const own = { ...opened, readAt: (offset: number, length: number) => opened.readAt!(offset, length, bytes) }
      expect(readsViews(own)).toBe(false)
    }))

  it.effect("a file that shrinks, grows or is rewritten during the upload fails with reason changed", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const path = join(dir, "v.mp4")
        writeFileSync(path, Buffer.alloc(10_000, 1))
        const opened = yield* fromFile(path).open
        truncateSync(path, 5_000)
        const shrunk = yield* opened.readAt!(4096, 4096, new Uint8Array(4096)).pipe(Effect.flip)
        expect(shrunk).toMatchObject({ _tag: "MediaSourceError", reason: "changed" })
        writeFileSync(path, Buffer.alloc(20_000, 1))
        expect(yield* Effect.flip(opened.verify!)).toMatchObject({ reason: "changed" })
        const again = yield* fromFile(path).open
        writeFileSync(path, Buffer.alloc(20_000, 2))
        utimesSync(path, new Date(), new Date(Date.now() + 60_000))
        expect(yield* Effect.flip(again.verify!)).toMatchObject({ reason: "changed" })
      })
    ).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))
})

describe("MediaSource.fromBytes and fromStream", () => {
  it.effect("bytes stream in pieces of the requested size", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array(10).map((_, i) => i)
      const opened = yield* fromBytes(bytes).open
      const pieces = yield* Stream.runCollect(opened.stream(4))
      expect(Array.from(pieces).map((p) => p.byteLength)).toEqual([4, 4, 2])
    }).pipe(Effect.scoped))

  it.effect("a stream's head is held back for sniffing and then sent first", () =>
    Effect.gen(function*() {
      const parts = [new Uint8Array([0x47, 1, 2]), new Uint8Array(5000).fill(3), new Uint8Array([9])]
      const opened = yield* fromStream(Stream.fromIterable(parts), 5004).open
      expect(opened.size).toBe(5004)
      expect(opened.head.byteLength).toBe(4096)
      expect(opened.head[0]).toBe(0x47)
      const all = yield* collect(opened.stream(1024))
      expect(all.equals(Buffer.concat(parts))).toBe(true)
      const again = yield* collect(opened.stream(1024)).pipe(Effect.flip)
      expect(again).toMatchObject({ _tag: "MediaSourceError", reason: "unreadable" })
    }).pipe(Effect.scoped))

  it.effect("a stream shorter than declared, or one that fails, is a typed error", () =>
    Effect.gen(function*() {
      const short = yield* fromStream(Stream.make(new Uint8Array(10)), 11).open
      expect(yield* collect(short.stream(4)).pipe(Effect.flip)).toMatchObject({ reason: "changed" })
      const failing = fromStream(Stream.concat(Stream.make(new Uint8Array(10)), Stream.fail("disk on fire")), 5000)
      const opened = yield* failing.open.pipe(Effect.exit)
      expect(opened).toMatchObject({ _tag: "Failure" })
    }).pipe(Effect.scoped))
})
