import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  at,
  bearer,
  type Client,
  gifBytes,
  mp4Bytes,
  pngBytes,
  send,
  sha256,
  srtBytes,
  str,
  v1SimpleUpload,
  v2Status,
  vttBytes,
  withEmulator
} from "./helpers.ts"

/** `POST /2/media/upload` (the one-shot upload), multipart with the given fields and the bytes as `media`. */
const v2OneShot = (emulator: Client, bytes: Uint8Array<ArrayBuffer> | undefined, fields: Record<string, string>) => {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.set(name, value)
  if (bytes !== undefined) form.set("media", new Blob([bytes]))
  return send(`${emulator.url}/2/media/upload`, { method: "POST", headers: bearer(emulator), body: form })
}

describe("the whole media in one request", () => {
  it.live("v2 one-shot: a PNG (multipart) is answered as FINALIZE is, ready, bytes kept, counted as UPLOAD", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const file = pngBytes(5000, 640, 480)
        const answer = yield* v2OneShot(emulator, file, { media_category: "tweet_image" })
        expect(answer.status).toBe(200)
        const id = str(answer.json, "data", "id")
        expect(answer.json).toEqual({
          data: {
            id,
            media_key: `3_${id}`,
            size: 5000,
            expires_after_secs: 86_400,
            image: { image_type: "image/png", w: 640, h: 480 }
          }
        })
        expect(emulator.media(id)).toMatchObject({ sha256: sha256(file), category: "tweet_image", dialect: "v2" })
        expect((yield* v2Status(emulator, id)).status).toBe(200)
        const [upload] = emulator.requests()
        expect(upload).toMatchObject({ step: "UPLOAD", status: 200, auth: "oauth2", mediaId: id })
        expect(answer.headers.get("x-rate-limit-limit")).toBe("500")
      })))

  it.live("v2 one-shot: JSON with base64 media, and subtitles sniffed as SRT or WebVTT", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const file = pngBytes(300)
        const json = yield* send(`${emulator.url}/2/media/upload`, {
          method: "POST",
          headers: { ...bearer(emulator), "content-type": "application/json" },
          body: JSON.stringify({ media: Buffer.from(file).toString("base64"), media_category: "tweet_image" })
        })
        expect(json.status).toBe(200)
        expect(emulator.media(str(json.json, "data", "id"))?.sha256).toBe(sha256(file))
        for (const [bytes, type] of [[srtBytes(), "text/srt"], [vttBytes(), "text/vtt"]] as const) {
          const answer = yield* v2OneShot(emulator, bytes, { media_category: "subtitles" })
          expect(answer.status).toBe(200)
          expect(emulator.media(str(answer.json, "data", "id"))).toMatchObject({ mediaType: type })
        }
      })))

  it.live("v2 one-shot refuses: no media_category, a video or GIF category, no media, bytes that are no image, over 5 MiB", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const noCategory = yield* v2OneShot(emulator, pngBytes(100), {})
        expect(noCategory.status).toBe(400)
        expect(JSON.stringify(noCategory.json)).toContain("media_category")
        const video = yield* v2OneShot(emulator, mp4Bytes(100), { media_category: "tweet_video" })
        expect(video.status).toBe(400)
        expect(JSON.stringify(video.json)).toContain("INIT, APPEND and FINALIZE")
        const gif = yield* v2OneShot(emulator, gifBytes(100), { media_category: "tweet_gif" })
        expect(gif.status).toBe(400)
        const noMedia = yield* v2OneShot(emulator, undefined, { media_category: "tweet_image" })
        expect(noMedia.status).toBe(400)
        expect(JSON.stringify(noMedia.json)).toContain("media")
        const notImage = yield* v2OneShot(emulator, mp4Bytes(100), { media_category: "tweet_image" })
        expect(notImage.status).toBe(400)
        const large = yield* v2OneShot(emulator, pngBytes(5 * 1024 * 1024 + 1), { media_category: "tweet_image" })
        // A media part over X's largest chunk is refused as an APPEND's would be.
        expect(large.status).toBe(413)
        expect(emulator.requests().every((r) => r.step === "UPLOAD")).toBe(true)
        expect(emulator.allMedia()).toEqual([])
      })))

  it.live("v1.1 simple upload: media or media_data, category in the signed query, answered with media_id_string", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const file = pngBytes(2000, 10, 20)
        const raw = yield* v1SimpleUpload(emulator, file, "media_category=tweet_image")
        expect(raw.status).toBe(200)
        const id = str(raw.json, "media_id_string")
        expect(at(raw.json, "image")).toEqual({ image_type: "image/png", w: 10, h: 20 })
        expect(at(raw.json, "size")).toBe(2000)
        expect(emulator.media(id)).toMatchObject({ sha256: sha256(file), dialect: "v1", category: "tweet_image" })
        const base64 = yield* v1SimpleUpload(emulator, file, "", "media_data")
        expect(base64.status).toBe(200)
        expect(emulator.media(str(base64.json, "media_id_string"))?.sha256).toBe(sha256(file))
        expect(emulator.requests().map((r) => [r.step, r.status, r.auth])).toEqual([
          ["UPLOAD", 200, "oauth1"],
          ["UPLOAD", 200, "oauth1"]
        ])
      })))

  it.live("v1.1 simple upload refuses a video, and subtitles (images only)", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        expect((yield* v1SimpleUpload(emulator, mp4Bytes(100))).status).toBe(400)
        expect((yield* v1SimpleUpload(emulator, srtBytes(), "media_category=subtitles")).status).toBe(400)
        expect((yield* v1SimpleUpload(emulator, pngBytes(100), "media_category=tweet_video")).status).toBe(400)
      })))
})
