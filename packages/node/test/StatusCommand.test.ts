import { describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
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

  it.live("--wait says when X's rate limit holds the STATUS request, then goes on", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } })
      const env = { ...oauth1Env(x), X_MEDIA_BASE_URL: x.url }
      const uploaded = yield* runCli(["upload", samples.mp4, "--no-wait"], env)
      expect(uploaded.code, uploaded.stderr).toBe(0)
      // The first STATUS is answered 429, its window resetting in 1 s.
      x.setFaults([{ step: "STATUS", fault: Fault.rateLimited(1) }])
      const waited = yield* runCli(["status", uploaded.stdout.trim(), "--wait"], env)
      expect(waited.code, waited.stderr).toBe(0)
      expect(waited.stdout).toBe("succeeded\n")
      expect(waited.stderr.match(/^X's rate limit for STATUS is used up; waiting until \S+\.$/gm)).toHaveLength(1)
    }))

  it.live("the advised status command carries the flags that reach the same server, and following it works", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } })
      const env = oauth1Env(x)
      const uploaded = yield* runCli(["upload", samples.mp4, "--no-wait", "--base-url", x.url, "--api", "v1"], env)
      expect(uploaded.code).toBe(0)
      const id = uploaded.stdout.trim()
      const advised = `x-media status ${id} --wait --api v1 --base-url ${x.url}`
      expect(uploaded.stderr).toContain(`Wait for it with: ${advised}\n`)
      const followed = yield* runCli(advised.split(" ").slice(1), env)
      expect(followed.code, followed.stderr).toBe(0)
      expect(followed.stdout).toBe("succeeded\n")

      // Processing that outlasts --max-wait: the note gives the same command.
      const timedOut = yield* runCli(["upload", samples.mp4, "--max-wait", "0.5", "--base-url", x.url], env)
      expect(timedOut.code).toBe(1)
      expect(timedOut.stderr).toMatch(/the next check, 1 s away, would pass the maximum wait of 0\.5 s\./)
      expect(timedOut.stderr).toMatch(/^To reach the same server: x-media status \d+ --wait --base-url \S+$/m)

      // The embedded emulator ends with the command: no status command is advised.
      const embedded = yield* runCli(["upload", samples.mp4, "--no-wait", "--emulator"], {})
      expect(embedded.code).toBe(0)
      expect(embedded.stderr).toContain("The embedded emulator ends with this command, and the media with it.")
      expect(embedded.stderr).not.toContain("x-media status")
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
