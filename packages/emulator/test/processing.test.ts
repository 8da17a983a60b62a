import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { at, gifBytes, mp4Bytes, v1Status, v1Upload, v2Status, v2Upload, withEmulator } from "./helpers.ts"

describe("asynchronous processing on the emulator clock", () => {
  it.live("advances only once check_after_secs has passed; earlier STATUS answers the same state and is counted", () =>
    withEmulator({ processing: { checkAfterSecs: 5, inProgressSteps: 3 } }, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v2Upload(emulator, mp4Bytes(2000), "video/mp4", 2000, "tweet_video")
        const early = yield* v2Status(emulator, id)
        expect(at(early.json, "data", "processing_info")).toEqual({ state: "pending", check_after_secs: 5 })
        emulator.advanceClock(4000)
        const stillEarly = yield* v2Status(emulator, id)
        expect(at(stillEarly.json, "data", "processing_info", "state")).toBe("pending")
        emulator.advanceClock(1000)
        const progress: Array<unknown> = []
        for (let i = 0; i < 3; i++) {
          const status = yield* v2Status(emulator, id)
          progress.push(at(status.json, "data", "processing_info", "progress_percent"))
          const premature = yield* v2Status(emulator, id)
          expect(at(premature.json, "data", "processing_info", "progress_percent")).toBe(progress[i])
          emulator.advanceClock(5000)
        }
        expect(progress).toEqual([25, 50, 75])
        const done = yield* v2Status(emulator, id)
        expect(at(done.json, "data", "processing_info")).toEqual({ state: "succeeded", progress_percent: 100 })
        const media = emulator.media(id)
        expect(media?.statusChecks).toBe(9)
        expect(media?.prematureStatusChecks).toBe(5)
        expect(media?.state).toBe("succeeded")
        // succeeded is final: later checks are not premature
        yield* v2Status(emulator, id)
        expect(emulator.media(id)?.prematureStatusChecks).toBe(5)
      })))

  it.live("waits in real time too (checkAfterSecs may be fractional for fast tests)", () =>
    withEmulator({ processing: { checkAfterSecs: 0.2, inProgressSteps: 0 } }, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v1Upload(emulator, gifBytes(1000), "image/gif", 1000, "tweet_gif")
        const early = yield* v1Status(emulator, id)
        expect(at(early.json, "processing_info", "state")).toBe("pending")
        yield* Effect.sleep("220 millis")
        const done = yield* v1Status(emulator, id)
        expect(at(done.json, "processing_info", "state")).toBe("succeeded")
        expect(emulator.media(id)?.prematureStatusChecks).toBe(1)
      })))

  it.live("checkAfterSecs 0 lets every STATUS advance", () =>
    withEmulator({ processing: { checkAfterSecs: 0, inProgressSteps: 1 } }, (emulator) =>
      Effect.gen(function*() {
        const { id } = yield* v2Upload(emulator, mp4Bytes(100), "video/mp4", 100)
        const states = []
        for (let i = 0; i < 2; i++) {
          states.push(at((yield* v2Status(emulator, id)).json, "data", "processing_info", "state"))
        }
        expect(states).toEqual(["in_progress", "succeeded"])
        expect(emulator.media(id)?.prematureStatusChecks).toBe(0)
      })))

  it.live("all async categories are processed: tweet_video, tweet_gif, amplify_video, dm_video, dm_gif", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        for (const category of ["tweet_video", "amplify_video", "dm_video"]) {
          const { id } = yield* v2Upload(emulator, mp4Bytes(100), "video/mp4", 100, category)
          expect(emulator.media(id)?.processed).toBe(true)
        }
        for (const category of ["tweet_gif", "dm_gif"]) {
          const { id } = yield* v1Upload(emulator, gifBytes(100), "image/gif", 100, category)
          expect(emulator.media(id)?.processed).toBe(true)
        }
        const { id: image } = yield* v1Upload(emulator, gifBytes(100), "image/gif", 100, "tweet_image")
        expect(emulator.media(image)?.processed).toBe(false)
      })))
})
