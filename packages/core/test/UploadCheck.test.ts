import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fromBytes } from "../src/MediaSource.ts"
import { check } from "../src/Upload.ts"

const png = (size: number) => {
  const bytes = new Uint8Array(size).map((_, i) => i % 251)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return bytes
}

describe("Upload.check: the checks of an upload, without a client", () => {
  it.effect("describes the upload that would be made", () =>
    Effect.gen(function*() {
      const checked = yield* check(fromBytes(png(10_000), "a.png"), { chunkSize: 4096 })
      expect(checked).toEqual({
        mediaType: "image/png",
        category: "tweet_image",
        totalBytes: 10_000,
        chunkSize: 4096,
        segmentCount: 3
      })
    }))

  it.effect("fails with the error upload would fail with, and needs no MediaClient to do so", () =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(check(fromBytes(new Uint8Array(0), "empty.png"))))._tag).toBe("EmptyMedia")
      expect((yield* Effect.flip(check(fromBytes(png(6_000_000), "big.png"))))._tag).toBe("MediaTooLarge")
      expect((yield* Effect.flip(check(fromBytes(new TextEncoder().encode("hello"), "a.txt"))))._tag).toBe(
        "UnknownMediaType"
      )
      expect(yield* Effect.flip(check(fromBytes(png(100), "a.png"), { concurrency: 0 }))).toMatchObject({
        _tag: "InvalidOption",
        option: "concurrency"
      })
    }))
})
