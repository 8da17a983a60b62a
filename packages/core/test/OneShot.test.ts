import { describe, expect, it } from "@effect/vitest"
import { AuthenticationFailed, NetworkError, ProcessingFailed, RateLimited, XApiError } from "../src/Errors.ts"
import * as OneShot from "../src/OneShot.ts"

const at = { step: "UPLOAD", endpoint: "POST /2/media/upload" } as const

describe("OneShot", () => {
  it("takes images up to 5 MiB (or the caller's bound) in both dialects, subtitles in v2 only, never GIFs or video", () => {
    const image = { mediaType: "image/png", category: "tweet_image", totalBytes: 1000 } as const
    expect(OneShot.takes("v2", image)).toBe(true)
    expect(OneShot.takes("v1", image)).toBe(true)
    expect(OneShot.takes("v2", { ...image, category: "dm_image" })).toBe(true)
    expect(OneShot.takes("v2", { ...image, totalBytes: OneShot.maxBytes })).toBe(true)
    expect(OneShot.takes("v2", { ...image, totalBytes: OneShot.maxBytes + 1 })).toBe(false)
    expect(OneShot.takes("v2", { ...image, maxBytes: 1000 })).toBe(true)
    expect(OneShot.takes("v2", { ...image, maxBytes: 999 })).toBe(false)
    // A bound above X's limit does not raise it.
    expect(OneShot.takes("v2", { ...image, totalBytes: OneShot.maxBytes + 1, maxBytes: 2 * OneShot.maxBytes }))
      .toBe(false)
    expect(OneShot.takes("v2", { ...image, mediaType: "image/gif" })).toBe(false)
    expect(OneShot.takes("v2", { mediaType: "image/gif", category: "tweet_gif", totalBytes: 1000 })).toBe(false)
    expect(OneShot.takes("v2", { mediaType: "video/mp4", category: "tweet_video", totalBytes: 1000 })).toBe(false)
    const subtitles = { mediaType: "text/srt", category: "subtitles", totalBytes: 1000 } as const
    expect(OneShot.takes("v2", subtitles)).toBe(true)
    expect(OneShot.takes("v1", subtitles)).toBe(false)
  })

  it("falls back to chunks on X's word against the one request or a slow link, not on credentials or no connection", () => {
    const resetAt = new Date(0)
    expect(OneShot.chunkedMayDoBetter(new RateLimited({ ...at, resetAt }))).toBe(true)
    expect(OneShot.chunkedMayDoBetter(new XApiError({ ...at, status: 404, errors: [] }))).toBe(true)
    expect(OneShot.chunkedMayDoBetter(new XApiError({ ...at, status: 400, errors: [] }))).toBe(true)
    expect(OneShot.chunkedMayDoBetter(new NetworkError({ ...at, reason: "idle", timedOut: true }))).toBe(true)
    expect(OneShot.chunkedMayDoBetter(new NetworkError({ ...at, reason: "refused", timedOut: false }))).toBe(false)
    expect(
      OneShot.chunkedMayDoBetter(
        new AuthenticationFailed({ ...at, status: 401, reason: "bad-signature", hint: "", errors: [] })
      )
    ).toBe(false)
    expect(
      OneShot.chunkedMayDoBetter(
        new ProcessingFailed({ mediaId: "1", state: "failed", errorName: "InvalidMedia" })
      )
    ).toBe(false)
  })
})
