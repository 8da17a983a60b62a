/**
 * The messages #16 found wrong when followed: each test asserts the new text, and that its advice,
 * followed, gets past the error.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { MalformedResponse, NetworkError, XApiError } from "../src/Errors.ts"
import { checkMedia } from "../src/MediaCategory.ts"
import { fromBytes } from "../src/MediaSource.ts"
import { resolveMediaType } from "../src/MediaType.ts"
import { upload } from "../src/Upload.ts"
import { scriptedClient } from "./support/ScriptedX.ts"

const MB = 1_048_576

describe("MediaTooLarge", () => {
  it.effect("a 6 MB PNG: compress or resize it, X's image limit is 5 MB (no category to switch to)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        checkMedia({ source: "big.png", size: 6 * MB, mediaType: "image/png", category: "tweet_image" })
      )
      expect(error._tag).toBe("MediaTooLarge")
      expect(error.message).toContain("Compress or resize it: X's image limit is 5 MB.")
      expect(error.message).not.toMatch(/category/i)
      expect(error).not.toHaveProperty("largerCategories")
      // Also as a DM image: both image categories stop at 5 MB.
      const dm = yield* Effect.flip(
        checkMedia({ source: "big.png", size: 6 * MB, mediaType: "image/png", category: "dm_image" })
      )
      expect(dm.message).toContain("X's image limit is 5 MB")
    }))

  it.effect("a 6 MB GIF sent as an image is told the GIF category, and following it passes", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        checkMedia({ source: "big.gif", size: 6 * MB, mediaType: "image/gif", category: "tweet_image" })
      )
      expect(error).toMatchObject({ _tag: "MediaTooLarge", largerCategories: ["tweet_gif", "dm_gif"] })
      expect(error.message).toContain("upload it as tweet_gif or dm_gif")
      yield* checkMedia({ source: "big.gif", size: 6 * MB, mediaType: "image/gif", category: "tweet_gif" })
    }))

  it.effect("video and GIF over their own limits: shrink it, with X's limit", () =>
    Effect.gen(function*() {
      const video = yield* Effect.flip(
        checkMedia({ source: "v.mp4", size: 513 * MB, mediaType: "video/mp4", category: "tweet_video" })
      )
      expect(video.message).toContain("Compress it or shorten it: X's video limit is 512 MB.")
      const gif = yield* Effect.flip(
        checkMedia({ source: "g.gif", size: 16 * MB, mediaType: "image/gif", category: "tweet_gif" })
      )
      expect(gif.message).toContain("X's GIF limit is 15 MB")
    }))
})

describe("UnknownMediaType", () => {
  it.effect("a text file: which types X accepts, and that the file is none of them (no video/mp4 to force)", () =>
    Effect.gen(function*() {
      const text = new TextEncoder().encode("just some notes\n")
      const error = yield* Effect.flip(resolveMediaType({ head: text, fileName: "notes.txt", source: "notes.txt" }))
      expect(error.message).toMatch(/^notes\.txt is none of the media types X accepts \(video\/mp4, .*image\/png.*\): /)
      expect(error.message).toContain("its first bytes are none of them")
      expect(error.message).not.toContain("e.g. video/mp4")
      expect(error.message).toContain("Convert it to one of them")
    }))

  it.effect("a type given explicitly that X does not take says so, and a type X takes gets past", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        resolveMediaType({ explicit: "application/pdf", head: new Uint8Array(8), source: "doc" })
      )
      expect(error.message).toContain(`the type given for it, "application/pdf", is not one of them`)
      expect(yield* resolveMediaType({ explicit: "image/png", head: new Uint8Array(8), source: "doc" })).toBe(
        "image/png"
      )
    }))
})

describe("NetworkError", () => {
  const failure = (fields: Partial<ConstructorParameters<typeof NetworkError>[0]>) =>
    new NetworkError({
      step: "APPEND",
      endpoint: "POST /2/media/upload/{id}/append",
      reason: "connect ECONNREFUSED",
      timedOut: false,
      ...fields
    })

  it("names the base URL the user set, and promises nothing after the retries failed", () => {
    const message = failure({ host: "http://127.0.0.1:9", hostIsOverride: true, attempts: 5, segmentIndex: 2 }).message
    expect(message).toBe(
      "The APPEND of segment 2 request to POST /2/media/upload/{id}/append on http://127.0.0.1:9 failed (5 attempts): " +
        "connect ECONNREFUSED. Check that the server at http://127.0.0.1:9 (the base URL you set) is running and reachable."
    )
    expect(message).not.toMatch(/retrying usually works|X_MEDIA_BASE_URL/)
  })

  it("on X's own host, points at the network, and a timeout at what the user can change", () => {
    const x = failure({ host: "https://api.x.com", hostIsOverride: false, attempts: 1 }).message
    expect(x).toContain("on https://api.x.com failed: connect ECONNREFUSED. Check the network connection to X")
    expect(x).not.toMatch(/base URL|retrying usually works/)
    const slow = failure({
      host: "https://api.x.com",
      hostIsOverride: false,
      timedOut: true,
      reason: "no byte of the request moved for 60 s"
    }).message
    expect(slow).toContain("timed out: no byte of the request moved for 60 s")
    expect(slow).toContain(
      "raise the idle timeout (idleTimeout), or send fewer and smaller segments at once (concurrency, chunkSize)"
    )
    // A request without segments (STATUS, INIT, FINALIZE, the post) is not helped by smaller segments.
    const status = failure({ step: "STATUS", endpoint: "GET /2/media/upload", timedOut: true, reason: "no answer" })
    expect(status.message).toMatch(/raise the idle timeout \(idleTimeout\)\.$/)
    expect(status.message).not.toMatch(/segments|concurrency|chunkSize/)
  })
})

describe("XApiError and MalformedResponse", () => {
  const apiError = (status: number) =>
    new XApiError({ step: "INIT", endpoint: "POST /2/media/upload/initialize", status, errors: [] })

  it("a 408 is X's time-out, worth trying again: not a request to fix", () => {
    expect(apiError(408).message).toMatch(/X stopped waiting for the request; try again later\.$/)
    expect(apiError(503).message).toMatch(/X had a server error; try again later\.$/)
    expect(apiError(400).message).toMatch(/Check the request parameters and the media\.$/)
  })

  it("a garbled answer says what to do about it", () => {
    const error = new MalformedResponse({
      step: "INIT",
      endpoint: "POST /2/media/upload/initialize",
      status: 200,
      problem: "the body is not JSON",
      bodyExcerpt: "<html>"
    })
    expect(error.message).toMatch(/Body starts with: "<html>"\. X or a proxy on the way garbled it; try again later\.$/)
  })
})

describe("maxWait is a duration: 30 seconds is not 30 milliseconds", () => {
  it.effect("an upload whose processing takes 20 s completes with maxWait 30 s", () =>
    Effect.gen(function*() {
      const id = "1880028106020515840"
      const data = (processing?: object) => ({
        data: { id, expires_after_secs: 86400, ...(processing ? { processing_info: processing } : {}) }
      })
      let checks = 0
      const x = scriptedClient((sent) =>
        sent.url.endsWith("/initialize") || sent.url.endsWith("/append")
          ? { body: data() }
          : sent.url.endsWith("/finalize")
          ? { body: data({ state: "pending", check_after_secs: 10 }) }
          : { body: data(++checks < 2 ? { state: "in_progress", check_after_secs: 10 } : { state: "succeeded" }) }
      )
      const video = new Uint8Array(64)
      video.set([0, 0, 0, 0x18, ...Array.from("ftypisom", (c) => c.charCodeAt(0))])
      const fiber = yield* upload(fromBytes(video, "a.mp4"), { maxWait: Duration.seconds(30) }).pipe(
        Effect.provide(x.layer),
        Effect.forkChild
      )
      for (let i = 0; i < 4; i++) {
        yield* TestClock.withLive(Effect.sleep("5 millis"))
        yield* TestClock.adjust("10 seconds")
      }
      const media = yield* Fiber.join(fiber)
      expect(media.state).toBe("succeeded")
      expect(checks).toBe(2)
    }))
})
