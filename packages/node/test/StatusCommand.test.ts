import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { emulator, oauth1Env, onlyJson, samples } from "./support/Cli.ts"
import { runCli } from "./support/InProcess.ts"

describe.concurrent("x-media status", () => {
  it.live("--wait follows processing of an upload made with --no-wait until it is ready", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { checkAfterSecs: 1, inProgressSteps: 3 } })
      const env = { ...oauth1Env(x), X_MEDIA_BASE_URL: x.url }
      const uploaded = yield* runCli(["upload", samples.mp4, "--no-wait", "--json"], env)
      expect(uploaded.code).toBe(0)
      const result = onlyJson(uploaded.stdout)
      expect(result).toMatchObject({ state: "pending", media_category: "tweet_video" })
      const id = String(result["media_id"])

      const once = yield* runCli(["status", id], env)
      expect(once.code).toBe(0)
      expect(once.stdout).toMatch(/^(pending|in_progress)\n$/)

      const waited = yield* runCli(["status", id, "--wait", "--json"], env)
      expect(waited.code).toBe(0)
      expect(onlyJson(waited.stdout)).toMatchObject({ media_id: id, state: "succeeded" })
      expect(waited.stderr).toMatch(/Processing: in_progress/)
      expect(x.media(id)?.state).toBe("succeeded")
    }))

  it.live("a malformed media id is a usage error; an unknown one is X's error", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const env = { ...oauth1Env(x), X_MEDIA_BASE_URL: x.url }
      const malformed = yield* runCli(["status", "12ab", "--json"], env)
      expect(malformed.code).toBe(2)
      expect(onlyJson(malformed.stdout)["error"]).toEqual({
        _tag: "UsageError",
        message: "Invalid <media-id> \"12ab\": must be a media id: 1 to 19 digits",
        option: "<media-id>",
        value: "12ab",
        detail: "must be a media id: 1 to 19 digits"
      })
      expect(x.requests()).toEqual([])
      const unknown = yield* runCli(["status", "1234567890", "--json"], env)
      expect(unknown.code).toBe(1)
      expect(onlyJson(unknown.stdout)["error"]).toMatchObject({ step: "STATUS" })
    }))
})
