import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  at,
  bearer,
  gifBytes,
  mp4Bytes,
  oauth1Header,
  pngBytes,
  send,
  sha256,
  str,
  v1Status,
  v1Upload,
  v2Finalize,
  v2Init,
  v2Status,
  v2Upload,
  withEmulator
} from "./helpers.ts"

describe("uploads over plain HTTP", () => {
  it.live("v1.1: OAuth 1.0a signed INIT/APPEND/FINALIZE/STATUS, numeric ids that JSON.parse rounds, sha256 kept", () =>
    withEmulator({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } }, (emulator) =>
      Effect.gen(function*() {
        const file = mp4Bytes(10_363)
        const { id, init, finalize } = yield* v1Upload(emulator, file, "video/mp4", 4096, "tweet_video")
        expect(init.status).toBe(202)
        expect(init.text).toMatch(new RegExp(`^\\{"media_id":${id},"media_id_string":"${id}"`))
        // The JSON number loses precision: a client reading it gets another id.
        expect(String(at(init.json, "media_id"))).not.toBe(id)
        expect(at(init.json, "expires_after_secs")).toBe(3599)
        expect(str(init.json, "media_key")).toBe(`7_${id}`)

        expect(finalize.status).toBe(200)
        expect(at(finalize.json, "size")).toBe(10_363)
        expect(at(finalize.json, "video")).toEqual({ video_type: "video/mp4" })
        expect(at(finalize.json, "processing_info")).toEqual({ state: "pending", check_after_secs: 1 })

        emulator.advanceClock(1000)
        const first = yield* v1Status(emulator, id)
        expect(at(first.json, "processing_info")).toEqual({
          state: "in_progress",
          check_after_secs: 1,
          progress_percent: 50
        })
        emulator.advanceClock(1000)
        const done = yield* v1Status(emulator, id)
        expect(at(done.json, "processing_info")).toEqual({ state: "succeeded", progress_percent: 100 })
        expect(str(done.json, "media_id_string")).toBe(id)

        const media = emulator.media(id)
        expect(media?.sha256).toBe(sha256(file))
        expect(media?.size).toBe(file.length)
        expect(media?.segments.map((s) => s.size)).toEqual([4096, 4096, 2171])
        expect(media?.state).toBe("succeeded")
        const appends = emulator.requests().filter((r) => r.step === "APPEND")
        expect(appends.map((r) => [r.status, r.segmentIndex, r.auth])).toEqual([
          [204, 0, "oauth1"],
          [204, 1, "oauth1"],
          [204, 2, "oauth1"]
        ])
      })))

  it.live("v2: OAuth 2.0 bearer, multipart and JSON appends, {data:{…}} answers with string ids", () =>
    withEmulator({ processing: { checkAfterSecs: 1, inProgressSteps: 2 } }, (emulator) =>
      Effect.gen(function*() {
        const file = mp4Bytes(50_000)
        const { id, init, finalize } = yield* v2Upload(emulator, file, "video/mp4", 16_384)
        expect(init.json).toEqual({ data: { id, media_key: `7_${id}`, expires_after_secs: 1_295_999 } })
        expect(id).toMatch(/^[0-9]{19}$/)
        expect(Number(id) > Number.MAX_SAFE_INTEGER).toBe(true)
        expect(Number(id).toString()).not.toBe(id)
        expect(finalize.json).toEqual({
          data: {
            id,
            media_key: `7_${id}`,
            size: 50_000,
            expires_after_secs: 86_400,
            video: { video_type: "video/mp4" },
            processing_info: { state: "pending", check_after_secs: 1 }
          }
        })
        const states: Array<unknown> = []
        for (let i = 0; i < 3; i++) {
          emulator.advanceClock(1000)
          const status = yield* v2Status(emulator, id)
          states.push(at(status.json, "data", "processing_info"))
        }
        expect(states).toEqual([
          { state: "in_progress", check_after_secs: 1, progress_percent: 33 },
          { state: "in_progress", check_after_secs: 1, progress_percent: 67 },
          { state: "succeeded", progress_percent: 100 }
        ])
        expect(emulator.media(id)?.sha256).toBe(sha256(file))
        expect(emulator.requests().filter((r) => r.step === "APPEND").every((r) => r.auth === "oauth2")).toBe(true)
      })))

  it.live("v2 APPEND answers {data:{expires_at}} in epoch seconds", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 100 })
        const id = str(init.json, "data", "id")
        const form = new FormData()
        form.set("segment_index", "0")
        form.set("media", new Blob([pngBytes(100)]))
        const appended = yield* send(`${emulator.url}/2/media/upload/${id}/append`, {
          method: "POST",
          headers: bearer(emulator),
          body: form
        })
        expect(appended.status).toBe(200)
        const expiresAt = at(appended.json, "data", "expires_at")
        expect(expiresAt).toBe(Math.floor(emulator.media(id)!.expiresAt / 1000))
      })))

  it.live("images are ready at FINALIZE: no processing_info, an image object with the dimensions", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const png = pngBytes(2000, 800, 320)
        const v2 = yield* v2Upload(emulator, png, "image/png", 1000, "tweet_image")
        expect(at(v2.finalize.json, "data", "image")).toEqual({ image_type: "image/png", w: 800, h: 320 })
        expect(at(v2.finalize.json, "data", "processing_info")).toBeUndefined()
        expect(str(v2.finalize.json, "data", "media_key")).toBe(`3_${v2.id}`)
        const v1 = yield* v1Upload(emulator, png, "image/png", 2000)
        expect(at(v1.finalize.json, "image")).toEqual({ image_type: "image/png", w: 800, h: 320 })
        expect(at(v1.finalize.json, "processing_info")).toBeUndefined()
        expect(emulator.media(v1.id)?.state).toBe("succeeded")
      })))

  it.live("GIFs get 16_ keys and are processed (tweet_gif); amplify_video gets 13_", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const gif = yield* v2Upload(emulator, gifBytes(3000), "image/gif", 3000, "tweet_gif")
        expect(str(gif.finalize.json, "data", "media_key")).toBe(`16_${gif.id}`)
        expect(at(gif.finalize.json, "data", "processing_info", "state")).toBe("pending")
        const amplify = yield* v2Init(emulator, {
          media_type: "video/mp4",
          total_bytes: 10,
          media_category: "amplify_video"
        })
        expect(str(amplify.json, "data", "media_key")).toMatch(/^13_/)
      })))

  it.live("v1.1 without media_category finalizes synchronously, as the FINALIZE page says", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const { finalize, id } = yield* v1Upload(emulator, mp4Bytes(3000), "video/mp4", 3000)
        expect(at(finalize.json, "processing_info")).toBeUndefined()
        expect(emulator.media(id)?.processed).toBe(false)
      })))

  it.live("processing disabled: video is ready at FINALIZE", () =>
    withEmulator({ processing: { enabled: false } }, (emulator) =>
      Effect.gen(function*() {
        const { finalize, id } = yield* v2Upload(emulator, mp4Bytes(3000), "video/mp4", 3000, "tweet_video")
        expect(at(finalize.json, "data", "processing_info")).toBeUndefined()
        expect(emulator.media(id)?.state).toBe("succeeded")
      })))

  it.live("OAuth 1.0a works on v2 too (JSON bodies are not signed)", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.url}/2/media/upload/initialize`
        const init = yield* send(url, {
          method: "POST",
          headers: {
            authorization: oauth1Header(emulator.credentials, "POST", url),
            "content-type": "application/json"
          },
          body: JSON.stringify({ media_type: "image/png", total_bytes: 10 })
        })
        expect(init.status).toBe(200)
        const id = str(init.json, "data", "id")
        const finalize = yield* send(`${emulator.url}/2/media/upload/${id}/finalize`, {
          method: "POST",
          headers: {
            authorization: oauth1Header(emulator.credentials, "POST", `${emulator.url}/2/media/upload/${id}/finalize`)
          }
        })
        expect(finalize.status).toBe(400)
        expect(finalize.json).toEqual({ error: "Segments do not add up to provided total file size." })
        expect(emulator.requests().map((r) => r.auth)).toEqual(["oauth1", "oauth1"])
      })))

  it.live("alt text: v1.1 metadata/create.json and v2 /2/media/metadata", () =>
    withEmulator({ auth: false }, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v2Upload(emulator, pngBytes(500), "image/png", 500)
        const v1 = yield* send(`${emulator.url}/1.1/media/metadata/create.json`, {
          method: "POST",
          headers: { "content-type": "application/json; charset=UTF-8" },
          body: JSON.stringify({ media_id: id, alt_text: { text: "dancing cat" } })
        })
        expect(v1.status).toBe(200)
        expect(emulator.media(id)?.altText).toBe("dancing cat")
        const v2 = yield* send(`${emulator.url}/2/media/metadata`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id, metadata: { alt_text: { text: "A dancing cat" } } })
        })
        expect(v2.json).toEqual({ data: { id, associated_metadata: { alt_text: { text: "A dancing cat" } } } })
        expect(emulator.media(id)?.altText).toBe("A dancing cat")
        const tooLong = yield* send(`${emulator.url}/2/media/metadata`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id, metadata: { alt_text: { text: "x".repeat(1001) } } })
        })
        expect(tooLong.status).toBe(400)
        expect(emulator.requests().map((r) => r.step).slice(-3)).toEqual(["METADATA", "METADATA", "METADATA"])
      })))

  it.live("unknown paths answer 404 in the dialect's shape and are recorded", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const v2 = yield* send(`${emulator.url}/2/media/nothing`, { method: "POST", headers: bearer(emulator) })
        expect(v2.status).toBe(404)
        expect(at(v2.json, "type")).toBe("https://api.twitter.com/2/problems/resource-not-found")
        const v1 = yield* send(`${emulator.url}/1.1/statuses/update.json`, { method: "POST" })
        expect(v1.json).toEqual({ errors: [{ code: 34, message: "Sorry, that page does not exist." }] })
        expect(emulator.requests().map((r) => r.status)).toEqual([404, 404])
      })))

  it.live("FINALIZE again answers the same media (a retried FINALIZE is safe)", () =>
    withEmulator({ auth: false }, (emulator) =>
      Effect.gen(function*() {
        const { id, finalize } = yield* v2Upload(emulator, pngBytes(100), "image/png", 100)
        const again = yield* v2Finalize(emulator, id)
        expect(again.status).toBe(200)
        expect(at(again.json, "data", "size")).toBe(at(finalize.json, "data", "size"))
      })))
})
