import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import {
  acceptsAltText,
  allowedCategories,
  altTextMaxLength,
  byteLimit,
  checkMedia,
  codePointLength,
  defaultByteLimits,
  defaultCategory,
  isAsyncCategory,
  mediaCategories,
  MediaCategory,
  resolveCategory
} from "../src/MediaCategory.ts"
import { type MediaType, mediaTypes } from "../src/MediaType.ts"

const expectedDefault: Readonly<Record<MediaType, MediaCategory>> = {
  "video/mp4": "tweet_video",
  "video/webm": "tweet_video",
  "video/mp2t": "tweet_video",
  "video/quicktime": "tweet_video",
  "text/srt": "subtitles",
  "text/vtt": "subtitles",
  "image/jpeg": "tweet_image",
  "image/gif": "tweet_gif",
  "image/bmp": "tweet_image",
  "image/png": "tweet_image",
  "image/webp": "tweet_image",
  "image/pjpeg": "tweet_image",
  "image/tiff": "tweet_image",
  "model/gltf-binary": "tweet_image",
  "model/vnd.usdz+zip": "tweet_image"
}

const expectedAllowed = (type: MediaType): ReadonlyArray<MediaCategory> =>
  type === "image/gif"
    ? ["tweet_gif", "dm_gif", "tweet_image", "dm_image"]
    : type.startsWith("video/")
    ? ["tweet_video", "amplify_video", "dm_video"]
    : type.startsWith("text/")
    ? ["subtitles"]
    : ["tweet_image", "dm_image"]

/** A media type each category fits, for the limit and alt-text tests. */
const typeFor: Readonly<Record<MediaCategory, MediaType>> = {
  tweet_image: "image/png",
  dm_image: "image/jpeg",
  tweet_gif: "image/gif",
  dm_gif: "image/gif",
  tweet_video: "video/mp4",
  dm_video: "video/quicktime",
  amplify_video: "video/mp4",
  subtitles: "text/srt"
}

describe("MediaCategory", () => {
  it("is a schema of X's 8 category names", () => {
    expect(mediaCategories).toEqual([
      "tweet_image",
      "tweet_gif",
      "tweet_video",
      "amplify_video",
      "dm_image",
      "dm_gif",
      "dm_video",
      "subtitles"
    ])
    expect(Schema.decodeUnknownSync(MediaCategory)("dm_gif")).toBe("dm_gif")
    expect(Exit.isFailure(Schema.decodeUnknownExit(MediaCategory)("TweetVideo"))).toBe(true)
  })

  describe("defaultCategory and allowedCategories", () => {
    for (const type of mediaTypes) {
      it(`${type} → ${expectedDefault[type]}`, () => {
        expect(defaultCategory(type)).toBe(expectedDefault[type])
        expect(allowedCategories(type)).toEqual(expectedAllowed(type))
        expect(allowedCategories(type)[0]).toBe(defaultCategory(type))
      })
    }
  })

  describe("resolveCategory", () => {
    it.effect("gives the default when nothing is requested", () =>
      Effect.gen(function*() {
        for (const type of mediaTypes) {
          expect(yield* resolveCategory({ mediaType: type })).toBe(expectedDefault[type])
        }
      }))

    it.effect("accepts every allowed category, and rejects every other one with the allowed list", () =>
      Effect.gen(function*() {
        for (const type of mediaTypes) {
          const allowed = expectedAllowed(type)
          for (const category of mediaCategories) {
            const exit = yield* Effect.exit(resolveCategory({ mediaType: type, requested: category }))
            if (allowed.includes(category)) {
              expect(Exit.isSuccess(exit) && exit.value).toBe(category)
            } else {
              expect(Exit.isFailure(exit)).toBe(true)
              const error = yield* Effect.flip(resolveCategory({ mediaType: type, requested: category }))
              expect(error._tag).toBe("CategoryMismatch")
              expect(error.mediaType).toBe(type)
              expect(error.category).toBe(category)
              expect(error.allowed).toEqual(allowed)
            }
          }
        }
      }))

    it.effect("understands X's older spellings and any case", () =>
      Effect.gen(function*() {
        expect(yield* resolveCategory({ mediaType: "video/mp4", requested: "TweetVideo" })).toBe("tweet_video")
        expect(yield* resolveCategory({ mediaType: "video/mp4", requested: "AmplifyVideo" })).toBe("amplify_video")
        expect(yield* resolveCategory({ mediaType: "image/png", requested: "TWEET_IMAGE" })).toBe("tweet_image")
        expect(yield* resolveCategory({ mediaType: "image/gif", requested: " DmGif " })).toBe("dm_gif")
      }))

    it.effect("rejects names that are not categories", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(resolveCategory({ mediaType: "video/mp4", requested: "long_video" }))
        expect(error._tag).toBe("CategoryMismatch")
        expect(error.message).toContain("tweet_video, amplify_video, dm_video")
        const video = yield* Effect.flip(resolveCategory({ mediaType: "video/mp4", requested: "tweet_image" }))
        expect(video.message).toContain("tweet_image does not fit media type video/mp4")
      }))
  })

  describe("limits", () => {
    it("has X's documented limits", () => {
      expect(defaultByteLimits).toEqual({
        tweet_image: 5_242_880,
        dm_image: 5_242_880,
        tweet_gif: 15_728_640,
        dm_gif: 15_728_640,
        tweet_video: 536_870_912,
        dm_video: 536_870_912,
        amplify_video: 536_870_912,
        subtitles: 5_242_880
      })
      expect(byteLimit("tweet_video")).toBe(536_870_912)
      expect(byteLimit("tweet_video", { tweet_video: 1000 })).toBe(1000)
      expect(byteLimit("tweet_image", { tweet_video: 1000 })).toBe(5_242_880)
    })

    for (const category of mediaCategories) {
      const limit = defaultByteLimits[category]
      it.effect(`${category}: ${limit} bytes pass, ${limit + 1} fail`, () =>
        Effect.gen(function*() {
          const mediaType = typeFor[category]
          yield* checkMedia({ source: "f", size: limit, mediaType, category })
          const error = yield* Effect.flip(checkMedia({ source: "f", size: limit + 1, mediaType, category }))
          expect(error._tag).toBe("MediaTooLarge")
          if (error._tag === "MediaTooLarge") {
            expect(error.size).toBe(limit + 1)
            expect(error.limit).toBe(limit)
            expect(error.category).toBe(category)
            expect(error.message).toContain("1 bytes over")
          }
        }))
    }

    it.effect("takes overridden limits (scaled-down tests and emulators)", () =>
      Effect.gen(function*() {
        const limits = { tweet_video: 100, tweet_image: 10 }
        yield* checkMedia({ source: "v", size: 100, mediaType: "video/mp4", category: "tweet_video", limits })
        const error = yield* Effect.flip(
          checkMedia({ source: "v", size: 101, mediaType: "video/mp4", category: "tweet_video", limits })
        )
        expect(error._tag === "MediaTooLarge" && error.limit).toBe(100)
        // Categories without an override keep X's limit.
        yield* checkMedia({ source: "g", size: 15_728_640, mediaType: "image/gif", category: "tweet_gif", limits })
      }))

    it.effect("fails on empty media first", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          checkMedia({ source: "empty.png", size: 0, mediaType: "image/png", category: "tweet_image", altText: "x" })
        )
        expect(error._tag).toBe("EmptyMedia")
        expect(error.message).toContain("empty.png")
      }))

    it.effect("fails when the category does not fit the media type", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          checkMedia({ source: "v.mp4", size: 10, mediaType: "video/mp4", category: "tweet_image" })
        )
        expect(error._tag).toBe("CategoryMismatch")
      }))
  })

  describe("processing and alt text", () => {
    it("processes video and GIF categories asynchronously, images and subtitles not", () => {
      const asyncOnes = mediaCategories.filter(isAsyncCategory)
      expect(asyncOnes).toEqual(["tweet_gif", "tweet_video", "amplify_video", "dm_gif", "dm_video"])
    })

    it("takes alt text for images and GIFs only", () => {
      expect(mediaCategories.filter(acceptsAltText)).toEqual(["tweet_image", "tweet_gif", "dm_image", "dm_gif"])
      expect(altTextMaxLength).toBe(1000)
    })

    it("counts code points, not UTF-16 units", () => {
      expect(codePointLength("")).toBe(0)
      expect(codePointLength("abc")).toBe(3)
      expect(codePointLength("😀")).toBe(1)
      expect(codePointLength("é😀x")).toBe(3)
      expect(codePointLength("\ud800")).toBe(1) // a lone surrogate is one
      expect(codePointLength("\udc00\ud800")).toBe(2)
    })

    const image = { source: "p.png", size: 100, mediaType: "image/png", category: "tweet_image" } as const

    it.effect("1000 characters pass, 1001 fail", () =>
      Effect.gen(function*() {
        yield* checkMedia({ ...image, altText: "a".repeat(1000) })
        const error = yield* Effect.flip(checkMedia({ ...image, altText: "a".repeat(1001) }))
        expect(error._tag).toBe("InvalidAltText")
        if (error._tag === "InvalidAltText") {
          expect(error.reason).toBe("too-long")
          expect(error.length).toBe(1001)
          expect(error.limit).toBe(1000)
          expect(error.message).toContain("1 over")
        }
      }))

    it.effect("1000 emoji (2000 UTF-16 units) pass, 1001 fail", () =>
      Effect.gen(function*() {
        yield* checkMedia({ ...image, altText: "😀".repeat(1000) })
        const error = yield* Effect.flip(checkMedia({ ...image, altText: "😀".repeat(1001) }))
        expect(error._tag === "InvalidAltText" && error.length).toBe(1001)
      }))

    it.effect("alt text on a GIF passes", () =>
      Effect.gen(function*() {
        for (const category of ["tweet_gif", "dm_gif", "dm_image"] as const) {
          yield* checkMedia({ source: "a.gif", size: 1, mediaType: "image/gif", category, altText: "a cat" })
        }
      }))

    it.effect("alt text on video or subtitles fails as not supported", () =>
      Effect.gen(function*() {
        for (const category of ["tweet_video", "amplify_video", "dm_video", "subtitles"] as const) {
          const error = yield* Effect.flip(
            checkMedia({ source: "x", size: 1, mediaType: typeFor[category], category, altText: "a clip" })
          )
          expect(error._tag).toBe("InvalidAltText")
          if (error._tag === "InvalidAltText") {
            expect(error.reason).toBe("not-supported")
            expect(error.category).toBe(category)
          }
        }
      }))

    it.effect("empty alt text counts as none", () =>
      Effect.gen(function*() {
        yield* checkMedia({ source: "v", size: 1, mediaType: "video/mp4", category: "tweet_video", altText: "" })
      }))
  })
})
