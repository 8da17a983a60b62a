import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import { classifyAuthFailure } from "../src/Auth.ts"
import * as MediaMetadata from "../src/MediaMetadata.ts"
import * as Post from "../src/Post.ts"
import * as Subtitles from "../src/Subtitles.ts"

const media = (category: string, n = 1) => Array.from({ length: n }, (_, i) => ({ name: `${category}-${i}`, category }))

describe("Post.checkCombination: X's rules, and which one failed", () => {
  it.effect("up to 4 images, or 1 GIF, or 1 video pass", () =>
    Effect.gen(function*() {
      yield* Post.checkCombination(media("tweet_image", 4))
      yield* Post.checkCombination(media("tweet_gif"))
      yield* Post.checkCombination(media("tweet_video"))
      yield* Post.checkCombination(media("amplify_video"))
      yield* Post.checkCombination([])
    }))

  it.effect("each broken rule is named, with the counts", () =>
    Effect.gen(function*() {
      const five = yield* Effect.flip(Post.checkCombination(media("tweet_image", 5)))
      expect(five).toMatchObject({ rule: "too-many-media", count: 5, images: 5 })
      const gif = yield* Effect.flip(Post.checkCombination([...media("tweet_gif"), ...media("tweet_image")]))
      expect(gif).toMatchObject({ rule: "gif-not-alone", gifs: 1, images: 1 })
      const video = yield* Effect.flip(Post.checkCombination([...media("tweet_video"), ...media("tweet_video")]))
      expect(video).toMatchObject({ rule: "video-not-alone", videos: 2 })
      expect(video.message).toContain("A video must be the only media of its post; got 2 videos")
      const subtitles = yield* Effect.flip(Post.checkCombination(media("subtitles")))
      expect(subtitles).toMatchObject({ rule: "not-post-media", media: "subtitles-0", category: "subtitles" })
      expect(subtitles.message).toContain("subtitles attach to a video")
      expect(subtitles.message).toContain("x-media post --subtitles FILE --language CODE")
      const dm = yield* Effect.flip(Post.checkCombination(media("dm_image")))
      expect(dm.message).toContain("direct messages")
    }))

  it.effect("unknown categories count toward the 4 only", () =>
    Effect.gen(function*() {
      yield* Post.checkCombination(media("x", 4).map((m) => ({ ...m, category: undefined })))
      const five = yield* Effect.flip(Post.checkCombination(media("x", 5).map((m) => ({ ...m, category: undefined }))))
      expect(five.rule).toBe("too-many-media")
    }))
})

describe("Post.check", () => {
  it.effect("refuses bad ids, media twice, media not ready and media known to be expired", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000)
      expect(yield* Effect.flip(Post.check({ text: "x", replyTo: "12a" }))).toMatchObject({
        _tag: "InvalidOption",
        option: "reply-to post id"
      })
      expect(yield* Effect.flip(Post.check({ text: "x", media: ["1", "1"] }))).toMatchObject({
        _tag: "InvalidOption",
        option: "media id",
        value: "1"
      })
      expect(yield* Effect.flip(Post.check({ media: [{ mediaId: "7", state: "in_progress" }] }))).toMatchObject({
        _tag: "MediaNotReady",
        mediaId: "7",
        state: "in_progress"
      })
      expect(yield* Effect.flip(Post.check({ media: [{ mediaId: "7", expiresAt: new Date(1_000_000) }] })))
        .toMatchObject({
          _tag: "MediaExpired",
          step: "POST"
        })
      const ok = yield* Effect.exit(
        Post.check({ media: [{ mediaId: "7", state: "succeeded", expiresAt: new Date(1_000_001) }] })
      )
      expect(Exit.isSuccess(ok)).toBe(true)
      expect(yield* Effect.flip(Post.check({ text: "" }))).toMatchObject({ _tag: "InvalidPostText", reason: "empty" })
    }))
})

describe("Subtitles.languageCode", () => {
  it.effect("two letters, any case, upper-cased; anything else is an InvalidOption", () =>
    Effect.gen(function*() {
      expect(yield* Subtitles.languageCode("en")).toBe("EN")
      expect(yield* Subtitles.languageCode("JA")).toBe("JA")
      for (const bad of ["eng", "en-US", "e", "", "1a"]) {
        expect(yield* Effect.flip(Subtitles.languageCode(bad))).toMatchObject({ option: "language code", value: bad })
      }
      expect(Subtitles.displayNameOf("DE")).toBe("German")
    }))
})

describe("a 403 on a request that needs tweet.write", () => {
  it("names tweet.write, not media.write, for either scheme", () => {
    for (const scheme of ["oauth1", "oauth2"] as const) {
      const result = classifyAuthFailure({
        status: 403,
        errors: [{ message: "Forbidden. This endpoint requires the OAuth 2.0 scope tweet.write" }],
        dialect: "v2",
        scheme,
        requiredScope: "tweet.write"
      })
      expect(result.reason).toBe("missing-scope")
      expect(result.hint).toContain("lacks the tweet.write scope")
    }
    const media = classifyAuthFailure({ status: 403, errors: [], dialect: "v2", scheme: "oauth2" })
    expect(media.hint).toContain("media.write")
  })
})

describe("MediaMetadata.check", () => {
  it.effect("alt text over 1000 characters, and an origin outside X's lengths, fail before any request", () =>
    Effect.gen(function*() {
      yield* MediaMetadata.check({
        altText: "😀".repeat(1000),
        foundMediaOrigin: { provider: "giphy", id: "x".repeat(24) }
      })
      expect(yield* Effect.flip(MediaMetadata.check({ altText: "a".repeat(1001) }, "tweet_image"))).toMatchObject({
        _tag: "InvalidAltText",
        reason: "too-long",
        length: 1001
      })
      expect(yield* Effect.flip(MediaMetadata.check({ foundMediaOrigin: { provider: "toolongname", id: "1" } })))
        .toMatchObject({
          _tag: "InvalidOption",
          option: "found media origin provider"
        })
      expect(yield* Effect.flip(MediaMetadata.check({ foundMediaOrigin: { provider: "giphy", id: "" } })))
        .toMatchObject({
          _tag: "InvalidOption",
          option: "found media origin id"
        })
    }))
})
