import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { as, at, gifBytes, mp4Bytes, pngBytes, v2Json, v2Ready, withEmulator } from "./helpers.ts"

const fast = { processing: { checkAfterSecs: 0, inProgressSteps: 1 } } as const

const metadata = (emulator: Parameters<typeof v2Json>[0], id: string, value: unknown, scheme?: "oauth1" | "oauth2") =>
  v2Json(emulator, "POST", "/2/media/metadata", { id, metadata: value }, scheme)

describe("POST /2/media/metadata", () => {
  it.live("alt text, sensitive_media_warning and found_media_origin are stored and answered as associated_metadata", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const image = yield* v2Ready(emulator, pngBytes(100), "image/png")
        const first = yield* metadata(emulator, image, {
          alt_text: { text: "A cat ☃" },
          sensitive_media_warning: { adult_content: false, graphic_violence: true }
        })
        expect(first.status).toBe(200)
        expect(first.headers.get("x-rate-limit-limit")).toBe("500")
        expect(first.json).toEqual({
          data: {
            id: image,
            associated_metadata: {
              alt_text: { text: "A cat ☃" },
              sensitive_media_warning: { adult_content: false, graphic_violence: true, other: false }
            }
          }
        })
        const second = yield* metadata(emulator, image, {
          found_media_origin: { provider: "giphy", id: "u5BzatR15TZ04" }
        }, "oauth1")
        expect(at(second.json, "data", "associated_metadata")).toEqual({
          alt_text: { text: "A cat ☃" },
          sensitive_media_warning: { adult_content: false, graphic_violence: true, other: false },
          found_media_origin: { provider: "giphy", id: "u5BzatR15TZ04" }
        })
        expect(emulator.media(image)).toMatchObject({
          altText: "A cat ☃",
          sensitiveMediaWarning: { adultContent: false, graphicViolence: true, other: false },
          foundMediaOrigin: { provider: "giphy", id: "u5BzatR15TZ04" }
        })
        // a sensitive media warning applies to videos too
        const video = yield* v2Ready(emulator, mp4Bytes(100), "video/mp4")
        const warned = yield* metadata(emulator, video, { sensitive_media_warning: { other: true } })
        expect(warned.status).toBe(200)
        expect(emulator.media(video)?.sensitiveMediaWarning).toEqual({
          adultContent: false,
          graphicViolence: false,
          other: true
        })
        // an empty metadata object changes nothing
        expect(at((yield* metadata(emulator, video, {})).json, "data", "associated_metadata")).toEqual({
          sensitive_media_warning: { adult_content: false, graphic_violence: false, other: true }
        })
      })))

  it.live("validation: alt text at most 1000 characters and on images and GIFs only; origin sizes; types; ownership", () =>
    withEmulator({ ...fast, users: 2 }, (emulator) =>
      Effect.gen(function*() {
        const image = yield* v2Ready(emulator, pngBytes(100), "image/png")
        const gif = yield* v2Ready(emulator, gifBytes(100), "image/gif")
        const video = yield* v2Ready(emulator, mp4Bytes(100), "video/mp4")
        expect((yield* metadata(emulator, gif, { alt_text: { text: "☃".repeat(1000) } })).status).toBe(200)
        const cases = [
          [image, { alt_text: { text: "☃".repeat(1001) } }, "Alt text must be at most 1000 characters."],
          [
            video,
            { alt_text: { text: "a video" } },
            `Alt text can be set on images and GIFs only; media ${video} is video.`
          ],
          [
            image,
            { found_media_origin: { provider: "123456789", id: "x" } },
            "found_media_origin.provider must be 1 to 8 characters."
          ],
          [
            image,
            { found_media_origin: { provider: "giphy", id: "x".repeat(25) } },
            "found_media_origin.id must be 1 to 24 characters."
          ],
          [
            image,
            { found_media_origin: { provider: "giphy", id: "" } },
            "found_media_origin.id must be 1 to 24 characters."
          ]
        ] as const
        for (const [id, value, message] of cases) {
          const answer = yield* metadata(emulator, id, value)
          expect(answer.status).toBe(400)
          expect(at(answer.json, "errors", 0, "message")).toBe(message)
        }
        // one bad part refuses the whole request: the alt text beside it is not stored
        yield* metadata(emulator, image, { alt_text: { text: "kept?" }, found_media_origin: { provider: "", id: "1" } })
        expect(emulator.media(image)?.altText).toBeUndefined()
        for (
          const value of [{ sensitive_media_warning: { adult_content: "yes" } }, {
            found_media_origin: { provider: "giphy" }
          }]
        ) {
          const answer = yield* metadata(emulator, image, value)
          expect(answer.status).toBe(400)
          expect(at(answer.json, "title")).toBe("Invalid Request")
        }
        const foreign = yield* metadata(as(emulator, 1), image, { alt_text: { text: "mine now" } })
        expect(at(foreign.json, "errors", 0)).toEqual({ code: 324, message: `Invalid media id ${image}` })
        expect(emulator.media(image)?.altText).toBeUndefined()
      })))
})
