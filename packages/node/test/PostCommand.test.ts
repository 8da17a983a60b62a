import { describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { Effect, Fiber, Schedule } from "effect"
import { join } from "node:path"
import { emulator, oauth1Env, oauth2Env, onlyJson, repoRoot, samples } from "./support/Cli.ts"
import { runCli, start } from "./support/InProcess.ts"

const srt = join(repoRoot, "examples/media/sample.srt")

describe.concurrent("x-media post", () => {
  for (const scheme of ["oauth1", "oauth2"] as const) {
    it.live(`posts 4 images with their alt texts and prints the result JSON: ${scheme}`, () =>
      Effect.gen(function*() {
        const x = yield* emulator({ processing: { enabled: false } })
        const env = scheme === "oauth1" ? oauth1Env(x) : oauth2Env(x)
        const files = [samples.png, samples.png, samples.png, samples.png]
        const alt = ["one", "two", "three", "four"].flatMap((text) => ["--alt-text", text])
        const run = yield* runCli(
          ["post", "--text", "Four © images", ...files, ...alt, "--base-url", x.url, "--json"],
          env
        )
        expect(run.stderr).not.toContain("Error")
        expect(run.code).toBe(0)
        const result = onlyJson(run.stdout)
        const posts = x.posts()
        expect(posts).toHaveLength(1)
        expect(result["post_id"]).toBe(posts[0]?.id)
        expect(result["media"]).toEqual(
          posts[0]?.mediaIds.map((id) =>
            expect.objectContaining({ media_id: id, state: "succeeded", media_category: "tweet_image" })
          )
        )
        expect(posts[0]?.media.map((m) => m.altText)).toEqual(["one", "two", "three", "four"])
        expect(posts[0]?.text).toBe("Four © images")
        expect(new Set(x.requests().map((r) => r.auth))).toEqual(new Set([scheme]))
      }))
  }

  it.live("sends each image in one request; --chunked sends INIT, APPEND and FINALIZE for it", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const chunkedSteps = ["INIT", "APPEND", "FINALIZE"]
      for (
        const [chunked, steps] of [
          [[], ["UPLOAD", "UPLOAD", "POST"]],
          [["--chunked"], [...chunkedSteps, ...chunkedSteps, "POST"]]
        ] as const
      ) {
        x.reset()
        const run = yield* runCli(
          ["post", "--text", "Two cats", samples.png, samples.png, "--base-url", x.url, ...chunked],
          oauth1Env(x)
        )
        expect(run.code, run.stderr).toBe(0)
        expect(x.requests().map((r) => r.step).sort()).toEqual([...steps].sort())
        expect(x.requests().at(-1)?.step).toBe("POST")
        expect(run.stderr).toContain(`Posted ${run.stdout.trim()} with 2 media (`)
      }
    }))

  it.live("posts a video with subtitles once it is processed, and prints only the post id", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } })
      const run = yield* runCli(
        ["post", "--text", "A video", samples.mp4, "--subtitles", srt, "--language", "en", "--base-url", x.url],
        oauth2Env(x)
      )
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^[0-9]{1,19}\n$/)
      const post = x.post(run.stdout.trim())
      expect(post?.media[0]).toMatchObject({ kind: "video", state: "succeeded" })
      expect(post?.media[0]?.subtitles).toEqual([
        expect.objectContaining({ languageCode: "EN", displayName: "English" })
      ])
      const order = x.requests().map((r) => r.step)
      expect(order.at(-1)).toBe("POST")
      expect(order.indexOf("SUBTITLES_CREATE")).toBeGreaterThan(order.lastIndexOf("STATUS"))
      expect(run.stderr).toContain(`Posted ${post?.id} with 1 media`)
    }))

  it.live("says once when X's rate limit holds the uploads, and posts after the wait", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      // The first INIT is answered 429, its window resetting in 2 s: both images' INITs wait for it.
      x.setFaults([{ step: "INIT", fault: Fault.rateLimited(2) }])
      const run = yield* runCli(
        ["post", "--text", "Two photos", samples.png, samples.png, "--chunked", "--base-url", x.url],
        oauth1Env(x)
      )
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr.match(/^X's rate limit for INIT is used up; waiting until \S+\.$/gm)).toHaveLength(1)
      expect(x.posts()).toHaveLength(1)
    }))

  it.live("says when X's rate limit holds the post itself, and posts after the wait", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      // The post is answered 429, its window resetting in 1 s.
      x.setFaults([{ step: "POST", fault: Fault.rateLimited(1) }])
      const run = yield* runCli(["post", "--text", "Held", samples.png, "--base-url", x.url], oauth1Env(x))
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr.match(/^X's rate limit for POST is used up; waiting until \S+\.$/gm)).toHaveLength(1)
      expect(x.posts()).toHaveLength(1)
    }))

  it.live("says when a file's request is sent again, with the file's name", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      x.setFaults([{ step: "APPEND", fault: Fault.httpError(503) }])
      const run = yield* runCli(
        ["post", "--text", "Flaky", samples.png, "--chunked", "--base-url", x.url],
        oauth1Env(x)
      )
      expect(run.code, run.stderr).toBe(0)
      const line = run.stderr.split("\n").find((l) => l.startsWith(`${samples.png}: Retrying APPEND of segment 0 in `))
      expect(line, run.stderr).toMatch(/ \(attempt 2 of \d+\): .*503/)
      expect(x.posts()).toHaveLength(1)
    }))

  it.live("an interrupt says whether the post may exist: not before the media are ready, maybe after", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "UPLOAD", times: 1, fault: Fault.delay(3000) }, {
          step: "POST",
          times: Infinity,
          fault: Fault.delay(3000)
        }]
      })
      const interruptWhen = (seen: (stderr: string) => boolean) =>
        Effect.gen(function*() {
          const running = start(["post", "--text", "A photo", samples.png, "--base-url", x.url], oauth1Env(x))
          const fiber = yield* Effect.forkChild(running.exit)
          yield* Effect.sync(() => seen(running.stderr())).pipe(
            Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (done) => done }),
            Effect.timeout("20 seconds")
          )
          yield* Fiber.interrupt(fiber)
          return running.stderr()
        })
      // The photo's one request is held: nothing can have been posted.
      const early = yield* interruptWhen(() => x.requests().some((r) => r.step === "UPLOAD"))
      expect(early).toContain("Interrupted before the post was created")
      // The photo is ready and the post request held: X may have the post.
      const late = yield* interruptWhen((stderr) => stderr.includes("is ready."))
      expect(late).toContain("Interrupted while the post was being created: X may have created it.")
    }))

  it.live("processing that outlasts --max-wait: the note gives the status command for the same server", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } })
      const run = yield* runCli(
        ["post", "--text", "A video", samples.mp4, "--max-wait", "0.5", "--base-url", x.url],
        oauth1Env(x)
      )
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/would pass the maximum wait of 0\.5 s\./)
      expect(run.stderr).toMatch(
        new RegExp(`^To reach the same server: x-media status \\d+ --wait --base-url ${x.url}$`, "m")
      )
      expect(x.posts()).toEqual([])
    }))

  it.live("5 images fail with the combination rule (exit 1) before any request", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const files = Array.from({ length: 5 }, () => samples.png)
      const run = yield* runCli(["post", "--text", "five", ...files, "--base-url", x.url, "--json"], oauth1Env(x))
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)).toEqual({
        error: expect.objectContaining({ _tag: "InvalidMediaCombination", rule: "too-many-media", count: 5 })
      })
      expect(run.stderr).toContain("at most 4 images")
      expect(x.requests()).toEqual([])
    }))

  const usage = (name: string, args: ReadonlyArray<string>, error: Record<string, unknown>, stderr: string) =>
    it.live(`exits 2 before any request: ${name}`, () =>
      Effect.gen(function*() {
        const x = yield* emulator()
        const run = yield* runCli(["post", "--text", "v", ...args, "--base-url", x.url, "--json"], oauth1Env(x))
        expect(run.code).toBe(2)
        expect(onlyJson(run.stdout)).toEqual({ error: expect.objectContaining(error) })
        expect(run.stderr).toContain(stderr)
        expect(x.requests()).toEqual([])
      }))
  usage(
    "--subtitles without --language",
    [samples.mp4, "--subtitles", srt],
    { _tag: "UsageError" },
    "--subtitles and --language go together"
  )
  usage(
    "a language code that is not two letters",
    [samples.mp4, "--subtitles", srt, "--language", "eng"],
    {
      _tag: "UsageError",
      option: "--language",
      value: "eng",
      message: "Invalid --language \"eng\": must be two letters (ISO 639-1), for example EN, DE or JA"
    },
    "two letters (ISO 639-1)"
  )
  it.live("a missing file is reported before missing credentials", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["post", "--text", "x", join(repoRoot, "nope.png"), "--json"], {})
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({ _tag: "MediaSourceError", reason: "not-found" })
      expect(run.stderr).not.toContain("--text")
    }))

  it.live("the combination and the text are checked before the credentials and before --emulator starts one", () =>
    Effect.gen(function*() {
      const mixed = yield* runCli(["post", "--text", "x", samples.png, samples.mp4, "--json"], {})
      expect(mixed.code).toBe(1)
      expect(onlyJson(mixed.stdout)["error"]).toMatchObject({
        _tag: "InvalidMediaCombination",
        rule: "video-not-alone"
      })
      const long = yield* runCli(["post", "--text", "x".repeat(281), samples.png, "--json"], {})
      expect(onlyJson(long.stdout)["error"]).toMatchObject({ _tag: "InvalidPostText", reason: "too-long" })
      const demo = yield* runCli(["post", "--emulator", "--text", "x", samples.png, samples.mp4], {})
      expect(demo.code).toBe(1)
      expect(demo.stderr).not.toContain("Started an X emulator")
      expect(demo.stderr).toContain("A video must be the only media of its post")
    }))

  it.live("text given as an argument: the error says a post's text goes in --text", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["post", "Hello world"], {})
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(
        "Error: Cannot upload Hello world: no such file. Check the path.\n" +
          "A post's text is given with --text TEXT; \"Hello world\" was taken for a file.\n"
      )
    }))

  usage(
    "a --reply-to that is not a post id, named by its flag",
    ["--reply-to", "https://x.com/a/status/1"],
    { _tag: "UsageError", option: "--reply-to", value: "https://x.com/a/status/1" },
    "Invalid --reply-to \"https://x.com/a/status/1\": must be a post id: 1 to 19 digits"
  )
  usage(
    "a --quote that is not a post id, named by its flag",
    ["--quote", "12a"],
    { _tag: "UsageError", option: "--quote" },
    "Invalid --quote \"12a\": must be a post id"
  )

  usage(
    "more alt texts than files",
    [samples.png, "--alt-text", "a", "--alt-text", "b"],
    { _tag: "UsageError" },
    "at most one --alt-text per file"
  )

  it.live("an OAuth 2.0 token without tweet.write gets a clear error naming the scope (exit 1)", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        oauth2Scopes: ["media.write", "tweet.read", "users.read"]
      })
      const run = yield* runCli(["post", "--text", "hi", samples.png, "--base-url", x.url, "--json"], oauth2Env(x))
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)).toEqual({
        error: expect.objectContaining({ _tag: "AuthenticationFailed", reason: "missing-scope", status: 403 })
      })
      expect(run.stderr).toContain("lacks the tweet.write scope")
      expect(x.posts()).toEqual([])
      expect(x.requests().filter((r) => r.step === "POST")).toHaveLength(1)
    }))
})
