import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  at,
  bearer,
  mp4Bytes,
  oauth1Header,
  pngBytes,
  send,
  sha256,
  str,
  v1Append,
  v1Post,
  v1Status,
  v2Append,
  v2Finalize,
  v2Init,
  v2Status,
  v2Upload,
  withEmulator
} from "./helpers.ts"

const problem = (message: string) => ({
  errors: [{ message }],
  title: "Invalid Request",
  detail: "One or more parameters to your request was invalid.",
  type: "https://api.twitter.com/2/problems/invalid-request"
})

describe("X's upload rules, with X's error shapes", () => {
  it.live("v2 initialize accepts only JSON", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const url = `${emulator.url}/2/media/upload/initialize`
        const form = yield* send(url, {
          method: "POST",
          headers: { ...bearer(emulator), "content-type": "application/x-www-form-urlencoded" },
          body: "media_type=image%2Fpng&total_bytes=10"
        })
        expect(form.status).toBe(400)
        expect(form.json).toEqual(problem("Requests with bodies must have content-type of application/json."))
        const multipart = new FormData()
        multipart.set("media_type", "image/png")
        const asMultipart = yield* send(url, { method: "POST", headers: bearer(emulator), body: multipart })
        expect(asMultipart.json).toEqual(problem("Requests with bodies must have content-type of application/json."))
        const broken = yield* send(url, {
          method: "POST",
          headers: { ...bearer(emulator), "content-type": "application/json" },
          body: "{\"media_type\":"
        })
        expect(broken.json).toEqual(problem("Request body is not valid JSON."))
        const wrongType = yield* v2Init(emulator, { media_type: "image/png", total_bytes: "10" })
        expect(wrongType.status).toBe(400)
        expect(at(wrongType.json, "title")).toBe("Invalid Request")
      })))

  it.live("missing parameters: code 38 '<param> parameter is missing.'", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const noTotal = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "video/mp4"]])
        expect(noTotal.json).toEqual({ errors: [{ code: 38, message: "total_bytes parameter is missing." }] })
        const noCommand = yield* v1Post(emulator, [["media_id", "1"]])
        expect(noCommand.json).toEqual({ errors: [{ code: 38, message: "command parameter is missing." }] })
        const noMediaId = yield* v1Post(emulator, [["command", "FINALIZE"]])
        expect(noMediaId.json).toEqual({ errors: [{ code: 38, message: "media_id parameter is missing." }] })
        const v2NoType = yield* v2Init(emulator, { total_bytes: 10 })
        expect(v2NoType.status).toBe(400)
        expect(v2NoType.json).toEqual({ code: 38, message: "media_type parameter is missing." })
        // v1.1 APPEND without media
        const init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "image/png"], ["total_bytes", "10"]])
        const id = str(init.json, "media_id_string")
        const form = new FormData()
        form.set("command", "APPEND")
        form.set("media_id", id)
        form.set("segment_index", "0")
        const url = `${emulator.url}/1.1/media/upload.json`
        const noMedia = yield* send(url, {
          method: "POST",
          headers: { authorization: oauth1Header(emulator.credentials, "POST", url) },
          body: form
        })
        expect(noMedia.json).toEqual({ errors: [{ code: 38, message: "media parameter is missing." }] })
        // v2 APPEND without media: the legacy {code,message} shape a v2 media endpoint once sent
        const v2 = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 10 })
        const v2form = new FormData()
        v2form.set("segment_index", "0")
        const v2NoMedia = yield* send(`${emulator.url}/2/media/upload/${str(v2.json, "data", "id")}/append`, {
          method: "POST",
          headers: bearer(emulator),
          body: v2form
        })
        expect(v2NoMedia.json).toEqual({ code: 38, message: "media parameter is missing." })
      })))

  it.live("command is case-sensitive", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const lower = yield* v1Post(emulator, [["command", "init"], ["media_type", "image/png"], ["total_bytes", "10"]])
        expect(lower.status).toBe(400)
        expect(str(lower.json, "errors", 0, "message")).toContain("case-sensitive")
        expect(emulator.allMedia()).toHaveLength(0)
      })))

  it.live("unknown media id: 400 code 324 'Invalid media id <id>' in every step", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const unknown = "1234567890123456789"
        const v1 = yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", unknown]])
        expect(v1.status).toBe(400)
        expect(v1.json).toEqual({ errors: [{ code: 324, message: `Invalid media id ${unknown}` }] })
        const v1Stat = yield* v1Status(emulator, unknown)
        expect(v1Stat.json).toEqual({ errors: [{ code: 324, message: `Invalid media id ${unknown}` }] })
        const append = yield* v1Append(emulator, unknown, 0, new Uint8Array(3))
        expect(append.json).toEqual({ errors: [{ code: 324, message: `Invalid media id ${unknown}` }] })
        const v2 = yield* v2Finalize(emulator, unknown)
        expect(v2.status).toBe(400)
        expect(at(v2.json, "errors", 0)).toEqual({ code: 324, message: `Invalid media id ${unknown}` })
        const v2Stat = yield* v2Status(emulator, unknown)
        expect(at(v2Stat.json, "errors", 0, "code")).toBe(324)
      })))

  it.live("segment_index must be within 0..maxSegments-1 (configurable)", () =>
    withEmulator({ limits: { maxSegments: 5 } }, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 100 })
        const id = str(init.json, "data", "id")
        const tooFar = yield* v2Append(emulator, id, 5, mp4Bytes(10))
        expect(tooFar.status).toBe(400)
        expect(str(tooFar.json, "errors", 0, "message")).toBe("Segment index must be between 0 and 4 inclusive.")
        const last = yield* v2Append(emulator, id, 4, mp4Bytes(10), "json")
        expect(last.status).toBe(200)
      })))

  it.live("segment_index defaults to 0..999", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "video/mp4"], ["total_bytes", "10"]])
        const id = str(init.json, "media_id_string")
        const over = yield* v1Append(emulator, id, 1000, new Uint8Array(1))
        expect(over.json).toEqual({
          errors: [{ code: 324, message: "Segment index must be between 0 and 999 inclusive." }]
        })
        const ok = yield* v1Append(emulator, id, 999, new Uint8Array(1))
        expect(ok.status).toBe(204)
      })))

  it.live("a chunk above maxChunkBytes is refused with 413 (streamed multipart and base64 alike)", () =>
    withEmulator({ limits: { maxChunkBytes: 1024 } }, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 4096 })
        const id = str(init.json, "data", "id")
        const big = yield* v2Append(emulator, id, 0, mp4Bytes(1025))
        expect(big.status).toBe(413)
        expect(at(big.json, "errors", 0)).toEqual({ code: 324, message: "Segment size must be <= 1024 bytes." })
        const bigJson = yield* v2Append(emulator, id, 0, mp4Bytes(1025), "json")
        expect(bigJson.status).toBe(413)
        const exact = yield* v2Append(emulator, id, 0, mp4Bytes(1024))
        expect(exact.status).toBe(200)
        const v1init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "video/mp4"], [
          "total_bytes",
          "4096"
        ]])
        const v1big = yield* v1Append(emulator, str(v1init.json, "media_id_string"), 0, mp4Bytes(2000), "media_data")
        expect(v1big.status).toBe(413)
        expect(v1big.json).toEqual({ errors: [{ code: 324, message: "Segment size must be <= 1024 bytes." }] })
        expect(emulator.media(id)?.receivedBytes).toBe(1024)
      })))

  it.live("an oversized media part is cut off while it arrives: the rest of the body is never read", () =>
    withEmulator({ limits: { maxChunkBytes: 1024 } }, (emulator) =>
      Effect.gen(function*() {
        const sent = 8 * 1024 * 1024
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 4096 })
        const id = str(init.json, "data", "id")
        const big = yield* v2Append(emulator, id, 0, new Uint8Array(sent))
        expect(big.status).toBe(413)
        expect(at(big.json, "errors", 0)).toEqual({ code: 324, message: "Segment size must be <= 1024 bytes." })
        // the answer came after a network chunk or so, not after 8 MiB had been received and spilled
        const record = emulator.requests().at(-1)
        expect(record?.bodyBytes).toBeLessThan(1024 * 1024)
        expect(emulator.media(id)?.segments).toEqual([])
        // the connection is still usable for the retry with a smaller part
        expect((yield* v2Append(emulator, id, 0, mp4Bytes(1024))).status).toBe(200)
      })))

  it.live("FINALIZE refuses segments that do not add up to total_bytes", () =>
    withEmulator({ auth: false }, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "video/mp4"], ["total_bytes", "100"]])
        const id = str(init.json, "media_id_string")
        yield* v1Append(emulator, id, 0, mp4Bytes(60))
        const short = yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", id]])
        expect(short.status).toBe(400)
        expect(short.json).toEqual({ error: "Segments do not add up to provided total file size." })
        // a gap (segments 0 and 2) does not add up either, even with the right byte count
        yield* v1Append(emulator, id, 2, mp4Bytes(40))
        const gap = yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", id]])
        expect(gap.json).toEqual({ error: "Segments do not add up to provided total file size." })
        yield* v1Append(emulator, id, 1, new Uint8Array(0))
        const ok = yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", id]])
        expect(ok.status).toBe(200)
      })))

  it.live("STATUS before FINALIZE is 404", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "video/mp4"], ["total_bytes", "10"]])
        const v1 = yield* v1Status(emulator, str(init.json, "media_id_string"))
        expect(v1.status).toBe(404)
        const v2init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 10 })
        const v2 = yield* v2Status(emulator, str(v2init.json, "data", "id"))
        expect(v2.status).toBe(404)
        expect(at(v2.json, "type")).toBe("https://api.twitter.com/2/problems/resource-not-found")
      })))

  it.live("per-category size limits at INIT (scaled down)", () =>
    withEmulator({ limits: { image: 100, gif: 200, video: 300 } }, (emulator) =>
      Effect.gen(function*() {
        const image = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "image/png"], [
          "total_bytes",
          "101"
        ]])
        expect(image.json).toEqual({ errors: [{ code: 324, message: "Image file size must be <= 100 bytes" }] })
        const imageOk = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "image/png"], [
          "total_bytes",
          "100"
        ]])
        expect(imageOk.status).toBe(202)
        const gif = yield* v2Init(emulator, { media_type: "image/gif", total_bytes: 201, media_category: "tweet_gif" })
        expect(at(gif.json, "errors", 0)).toEqual({ code: 324, message: "GIF file size must be <= 200 bytes" })
        const gifOk = yield* v2Init(emulator, {
          media_type: "image/gif",
          total_bytes: 200,
          media_category: "tweet_gif"
        })
        expect(gifOk.status).toBe(200)
        const video = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 301 })
        expect(at(video.json, "errors", 0)).toEqual({ code: 324, message: "Video file size must be <= 300 bytes" })
        const videoOk = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 300 })
        expect(videoOk.status).toBe(200)
        const badType = yield* v2Init(emulator, { media_type: "application/zip", total_bytes: 1 })
        expect(badType.status).toBe(400)
      })))

  it.live("a re-APPEND of a segment replaces it", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const file = mp4Bytes(3000)
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 3000 })
        const id = str(init.json, "data", "id")
        yield* v2Append(emulator, id, 0, mp4Bytes(1000))
        yield* v2Append(emulator, id, 1, file.subarray(1000))
        yield* v2Append(emulator, id, 0, file.subarray(0, 1000), "json")
        expect(emulator.media(id)?.receivedBytes).toBe(3000)
        const finalize = yield* v2Finalize(emulator, id)
        expect(finalize.status).toBe(200)
        const media = emulator.media(id)
        expect(media?.sha256).toBe(sha256(file))
        expect(media?.segments).toEqual([{ index: 0, size: 1000, appends: 2 }, { index: 1, size: 2000, appends: 1 }])
        expect(media?.appendRequests).toBe(3)
      })))

  it.live("APPEND after FINALIZE is refused", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v2Upload(emulator, pngBytes(100), "image/png", 100)
        const late = yield* v2Append(emulator, id, 1, pngBytes(10))
        expect(late.status).toBe(400)
      })))

  it.live("expired ids are refused with 400 (INIT window, then the FINALIZE window)", () =>
    withEmulator({ expiresAfterSecs: { init: 60, finalize: 120 } }, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 100 })
        const id = str(init.json, "data", "id")
        expect(at(init.json, "data", "expires_after_secs")).toBe(60)
        emulator.advanceClock(60_000)
        const late = yield* v2Append(emulator, id, 0, pngBytes(100))
        expect(late.status).toBe(400)
        expect(str(late.json, "errors", 0, "message")).toContain("expired")
        expect(emulator.media(id)?.expired).toBe(true)

        const { id: done } = yield* v2Upload(emulator, pngBytes(100), "image/png", 100)
        emulator.advanceClock(119_000)
        const stillThere = yield* v2Status(emulator, done)
        expect(at(stillThere.json, "data", "expires_after_secs")).toBe(1)
        emulator.advanceClock(1_000)
        const gone = yield* v2Status(emulator, done)
        expect(gone.status).toBe(400)
        const v1init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "image/png"], ["total_bytes", "1"]])
        emulator.advanceClock(61_000)
        const v1gone = yield* v1Post(emulator, [["command", "FINALIZE"], [
          "media_id",
          str(v1init.json, "media_id_string")
        ]])
        expect(v1gone.status).toBe(400)
        expect(at(v1gone.json, "errors", 0, "code")).toBe(324)
      })))

  it.live("every answer carries x-rate-limit-* headers; enforced limits answer 429 code 88", () =>
    withEmulator({ rateLimits: { INIT: 2 } }, (emulator) =>
      Effect.gen(function*() {
        const answers = []
        for (let i = 0; i < 3; i++) answers.push(yield* v2Init(emulator, { media_type: "image/png", total_bytes: 1 }))
        expect(answers.map((a) => a.status)).toEqual([200, 200, 429])
        expect(answers.map((a) => a.headers.get("x-rate-limit-remaining"))).toEqual(["1", "0", "0"])
        expect(answers.every((a) => a.headers.get("x-rate-limit-limit") === "2")).toBe(true)
        const reset = Number(answers[2]?.headers.get("x-rate-limit-reset"))
        expect(reset).toBeGreaterThan(emulator.now() / 1000 + 14 * 60)
        expect(answers[2]?.json).toEqual({ errors: [{ code: 88, message: "Rate limit exceeded" }] })
        // other steps have their own windows, with X's numbers
        const status = yield* v2Status(emulator, "1")
        expect(status.headers.get("x-rate-limit-limit")).toBe("1000")
        // errors carry the headers too
        expect(status.status).toBe(400)
        expect(status.headers.get("x-rate-limit-remaining")).toBe("999")
        // the window ends exactly at the reset it announced (15 minutes, rounded up to a whole second)
        emulator.advanceClock(reset * 1000 - emulator.now() - 500)
        expect((yield* v2Init(emulator, { media_type: "image/png", total_bytes: 1 })).status).toBe(429)
        emulator.advanceClock(reset * 1000 - emulator.now())
        const again = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 1 })
        expect(again.status).toBe(200)
      })))

  it.live("rate limits are not enforced unless asked", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        for (let i = 0; i < 3; i++) yield* v2Init(emulator, { media_type: "image/png", total_bytes: 1 })
        const answer = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 1 })
        expect(answer.status).toBe(200)
        expect(answer.headers.get("x-rate-limit-limit")).toBe("1875")
        expect(answer.headers.get("x-rate-limit-remaining")).toBe("1871")
      })))

  it.live("bytes that are not the claimed type: video fails processing, an image fails at FINALIZE", () =>
    withEmulator({ processing: { checkAfterSecs: 0 } }, (emulator) =>
      Effect.gen(function*() {
        const notMp4 = pngBytes(500)
        const video = yield* v2Upload(emulator, notMp4, "video/mp4", 500, "tweet_video")
        expect(at(video.finalize.json, "data", "processing_info", "state")).toBe("pending")
        const failed = yield* v2Status(emulator, video.id)
        expect(at(failed.json, "data", "processing_info")).toEqual({
          state: "failed",
          progress_percent: 0,
          error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" }
        })
        expect(emulator.media(video.id)?.state).toBe("failed")

        const jpegClaim = yield* v2Upload(emulator, pngBytes(300), "image/jpeg", 300)
        expect(jpegClaim.finalize.status).toBe(400)
        expect(str(jpegClaim.finalize.json, "errors", 0, "message")).toContain("InvalidMedia")
        expect(emulator.media(jpegClaim.id)?.error?.name).toBe("InvalidMedia")
        const v1 = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "image/gif"], ["total_bytes", "100"]])
        const v1id = str(v1.json, "media_id_string")
        yield* v1Append(emulator, v1id, 0, mp4Bytes(100))
        const v1fin = yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", v1id]])
        expect(v1fin.status).toBe(400)
        expect(str(v1fin.json, "errors", 0, "message")).toMatch(/^InvalidMedia: /)
      })))

  it.live("media_data base64 APPEND on v1.1", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const file = mp4Bytes(500)
        const init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "video/mp4"], ["total_bytes", "500"]])
        const id = str(init.json, "media_id_string")
        const appended = yield* v1Append(emulator, id, 0, file, "media_data")
        expect(appended.status).toBe(204)
        yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", id]])
        expect(emulator.media(id)?.sha256).toBe(sha256(file))
      })))
})
