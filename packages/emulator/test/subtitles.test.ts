import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  as,
  at,
  createPost,
  invalidParameter,
  mp4Bytes,
  pngBytes,
  srtBytes,
  str,
  v2Json,
  v2Ready,
  v2Upload,
  vttBytes,
  withEmulator
} from "./helpers.ts"

const fast = { processing: { checkAfterSecs: 0, inProgressSteps: 1 } } as const

const attach = (
  emulator: Parameters<typeof v2Json>[0],
  video: string,
  subtitles: string,
  languageCode = "EN",
  options: { readonly mediaCategory?: string; readonly scheme?: "oauth1" | "oauth2" } = {}
) =>
  v2Json(
    emulator,
    "POST",
    "/2/media/subtitles",
    {
      id: video,
      media_category: options.mediaCategory ?? "TweetVideo",
      subtitles: { id: subtitles, language_code: languageCode, display_name: `Language ${languageCode}` }
    },
    options.scheme
  )

const detach = (
  emulator: Parameters<typeof v2Json>[0],
  video: string,
  languageCode: string,
  scheme?: "oauth1" | "oauth2"
) =>
  v2Json(emulator, "DELETE", "/2/media/subtitles", {
    id: video,
    media_category: "TweetVideo",
    language_code: languageCode
  }, scheme)

describe("subtitles: POST and DELETE /2/media/subtitles", () => {
  it.live("a video with subtitles and a post that shows them; delete answers deleted true, then false", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const video = yield* v2Ready(emulator, mp4Bytes(500), "video/mp4")
        const english = yield* v2Ready(emulator, srtBytes("Hello"), "text/srt", "subtitles")
        const french = yield* v2Ready(emulator, vttBytes("Bonjour"), "text/vtt", "subtitles")
        const attached = yield* attach(emulator, video, english, "EN")
        expect(attached.status).toBe(200)
        expect(attached.json).toEqual({
          data: {
            id: video,
            media_category: "TweetVideo",
            associated_subtitles: [{ id: english, language_code: "EN", display_name: "Language EN" }]
          }
        })
        expect(attached.headers.get("x-rate-limit-limit")).toBe("100")
        const both = yield* attach(emulator, video, french, "FR", { scheme: "oauth1" })
        expect(at(both.json, "data", "associated_subtitles")).toHaveLength(2)
        const post = yield* createPost(emulator, { text: "with subtitles", media: { media_ids: [video] } })
        expect(post.status).toBe(201)
        expect(emulator.posts()[0]?.media[0]?.subtitles).toEqual([
          { id: english, languageCode: "EN", displayName: "Language EN" },
          { id: french, languageCode: "FR", displayName: "Language FR" }
        ])

        const deleted = yield* detach(emulator, video, "EN")
        expect(deleted.json).toEqual({ data: { deleted: true } })
        expect(emulator.media(video)?.subtitles.map((s) => s.languageCode)).toEqual(["FR"])
        // a retried DELETE is harmless
        expect((yield* detach(emulator, video, "EN", "oauth1")).json).toEqual({ data: { deleted: false } })
        // the post keeps what it had when it was made
        expect(emulator.posts()[0]?.media[0]?.subtitles).toHaveLength(2)
        expect(
          emulator.requests().filter((r) => r.path === "/2/media/subtitles").map((r) => [r.method, r.step, r.mediaId])
        )
          .toEqual([
            ["POST", "SUBTITLES_CREATE", video],
            ["POST", "SUBTITLES_CREATE", video],
            ["DELETE", "SUBTITLES_DELETE", video],
            ["DELETE", "SUBTITLES_DELETE", video]
          ])
      })))

  it.live("attaching a language again replaces its track", () =>
    withEmulator(fast, (emulator) =>
      Effect.gen(function*() {
        const video = yield* v2Ready(emulator, mp4Bytes(500), "video/mp4", "amplify_video")
        const first = yield* v2Ready(emulator, srtBytes("one"), "text/srt", "subtitles")
        const second = yield* v2Ready(emulator, srtBytes("two"), "text/srt", "subtitles")
        yield* attach(emulator, video, first, "DE", { mediaCategory: "AmplifyVideo" })
        const again = yield* attach(emulator, video, second, "DE", { mediaCategory: "AmplifyVideo" })
        expect(at(again.json, "data", "associated_subtitles")).toEqual([
          { id: second, language_code: "DE", display_name: "Language DE" }
        ])
      })))

  it.live("validation: language code, media category, a ready video of the caller, a ready SRT/WebVTT file of the caller", () =>
    withEmulator(
      { processing: { checkAfterSecs: 0, inProgressSteps: 1 }, users: 2 },
      (emulator) =>
        Effect.gen(function*() {
          const video = yield* v2Ready(emulator, mp4Bytes(500), "video/mp4")
          const srt = yield* v2Ready(emulator, srtBytes(), "text/srt", "subtitles")
          const image = yield* v2Ready(emulator, pngBytes(100), "image/png")
          const notSrt = yield* v2Ready(
            emulator,
            new Uint8Array(Buffer.from("just some words\n")),
            "text/srt",
            "subtitles"
          )
          const processing = (yield* v2Upload(emulator, mp4Bytes(500), "video/mp4", 500)).id
          const othersVideo = yield* v2Ready(as(emulator, 1), mp4Bytes(500), "video/mp4")

          for (const code of ["en", "ENG", "E1", ""]) {
            const answer = yield* attach(emulator, video, srt, code)
            expect(answer.status).toBe(400)
            expect(answer.json).toEqual(
              invalidParameter(
                "subtitles.language_code",
                [code],
                `The language code must be two upper-case letters (ISO 639-1, for example EN); got ${
                  JSON.stringify(code)
                }.`
              )
            )
          }
          const refusals: ReadonlyArray<
            readonly [Effect.Effect<{ readonly status: number; readonly json: unknown }, Error>, string]
          > = [
            [
              attach(emulator, video, srt, "EN", { mediaCategory: "DmVideo" }),
              "media_category must be one of TweetVideo, AmplifyVideo; got DmVideo."
            ],
            [
              attach(emulator, video, srt, "EN", { mediaCategory: "AmplifyVideo" }),
              `Media ${video} was uploaded as tweet_video, which media_category AmplifyVideo does not name.`
            ],
            [attach(emulator, image, srt), `Media ${image} is image, not a video: subtitles attach to videos only.`],
            [
              attach(emulator, processing, srt),
              `Media ${processing} is pending: attach subtitles once its processing has succeeded.`
            ],
            [
              attach(emulator, video, image),
              `Media ${image} is image, not subtitles: upload the SRT or WebVTT file with media_category subtitles.`
            ],
            [attach(emulator, video, notSrt), `Subtitles media ${notSrt} is not an SRT file: it has no --> cue timing.`]
          ]
          for (const [request, message] of refusals) {
            const answer = yield* request
            expect(answer.status).toBe(400)
            expect(at(answer.json, "errors", 0, "message")).toBe(message)
            expect(at(answer.json, "title")).toBe("Invalid Request")
          }
          const foreign = yield* attach(emulator, othersVideo, srt)
          expect(foreign.status).toBe(400)
          expect(at(foreign.json, "errors", 0)).toEqual({ code: 324, message: `Invalid media id ${othersVideo}` })
          const foreignFile = yield* attach(as(emulator, 1), othersVideo, srt)
          expect(at(foreignFile.json, "errors", 0)).toEqual({ code: 324, message: `Invalid media id ${srt}` })
          const missing = yield* v2Json(emulator, "POST", "/2/media/subtitles", {
            id: video,
            media_category: "TweetVideo"
          })
          expect(missing.json).toEqual({ code: 38, message: "subtitles parameter is missing." })
          const badDelete = yield* detach(emulator, video, "english")
          expect(badDelete.status).toBe(400)
          expect(emulator.media(video)?.subtitles).toEqual([])
        })
    ))

  it.live("a token without media.write cannot attach subtitles", () =>
    withEmulator({ ...fast, oauth2Scopes: ["tweet.write"] }, (emulator) =>
      Effect.gen(function*() {
        const answer = yield* attach(emulator, "1234567890123456789", "1234567890123456780")
        expect(answer.status).toBe(403)
        expect(str(answer.json, "detail")).toContain("media.write")
      })))
})
