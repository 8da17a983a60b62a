/**
 * `x-media upload FILE…` with several files, and `-` for standard input (issue #14).
 */
import { describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { Effect, Fiber, Schedule, Stream } from "effect"
import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { emulator, mp4Bytes, oauth1Env, onlyJson, samples, tempDir, writeFile } from "./support/Cli.ts"
import { runCli, start } from "./support/InProcess.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const spoolDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith("x-media-stdin-"))

describe.concurrent("x-media upload with several files", () => {
  it.live("--json prints one object with a media array, one entry per file in the order given", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const files = [samples.png, samples.gif, samples.mp4]
      const run = yield* runCli(["upload", ...files, "--base-url", x.url, "--json"], oauth1Env(x))
      expect(run.code, run.stderr).toBe(0)
      const { media } = onlyJson(run.stdout)
      expect(media).toEqual([
        expect.objectContaining({ media_type: "image/png", media_category: "tweet_image", state: "succeeded" }),
        expect.objectContaining({ media_type: "image/gif", media_category: "tweet_gif", state: "succeeded" }),
        expect.objectContaining({ media_type: "video/mp4", media_category: "tweet_video", state: "succeeded" })
      ])
      const entries = Array.isArray(media) ? media : []
      entries.forEach((entry, i) => {
        const id = String((entry as Record<string, unknown>)["media_id"])
        expect(x.media(id)?.sha256).toBe(sha256(readFileSync(files[i] ?? "")))
      })
      // Each file's progress lines are labelled with it.
      expect(run.stderr).toMatch(new RegExp(`^${samples.gif.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: Planned:`, "m"))
    }))

  it.live("uploads the files at the same time, on one client", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "UPLOAD", times: Infinity, fault: { _tag: "Delay", millis: 400 } }]
      })
      const run = yield* runCli(["upload", samples.png, samples.png, samples.png, "--base-url", x.url], oauth1Env(x))
      expect(run.code, run.stderr).toBe(0)
      // The three images' requests (400 ms each) were in flight together: each started before any was answered.
      const inits = x.requests().filter((r) => r.step === "UPLOAD")
      expect(inits).toHaveLength(3)
      const firstAnswer = Math.min(...inits.map((r) => r.endedAt ?? Infinity))
      for (const init of inits) expect(init.startedAt).toBeLessThan(firstAnswer)
      const ids = run.stdout.trim().split("\n")
      expect(ids).toHaveLength(3)
      expect(new Set(ids).size).toBe(3)
      for (const id of ids) expect(id).toMatch(/^\d{1,19}$/)
    }))

  it.live("one file failing: the others are uploaded, its entry holds its error, exit 1", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false }, limits: { gif: 50 } })
      const run = yield* runCli(["upload", samples.png, samples.gif, "--base-url", x.url, "--json"], oauth1Env(x))
      expect(run.code).toBe(1)
      const { media } = onlyJson(run.stdout)
      expect(media).toEqual([
        expect.objectContaining({ media_type: "image/png", state: "succeeded" }),
        { file: samples.gif, error: expect.objectContaining({ _tag: "XApiError", step: "INIT", status: 400 }) }
      ])
      expect(run.stderr).toContain("1 of 2 files failed.")
      const plain = yield* runCli(["upload", samples.png, samples.gif, "--base-url", x.url], oauth1Env(x))
      expect(plain.code).toBe(1)
      expect(plain.stdout).toMatch(/^\d{1,19}\n$/)
      expect(plain.stderr).toContain(`Error: ${samples.gif}: X answered HTTP 400 to INIT`)
    }))

  it.live("each failed file gets the CLI's advice in flags, as one file does", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "INIT", times: Infinity, fault: Fault.delay(700) }]
      })
      const run = yield* runCli(
        ["upload", samples.gif, samples.mp4, "--base-url", x.url, "--timeout", "0.2"],
        oauth1Env(x)
      )
      expect(run.code).toBe(1)
      for (const file of [samples.gif, samples.mp4]) {
        expect(run.stderr).toMatch(
          new RegExp(
            `^Error: ${file}: The INIT request .*\\nThat base URL was set with --base-url\\.\\n` +
              "On a slow or unsteady link: raise --timeout SECONDS \\(or X_MEDIA_TIMEOUT\\)\\.$",
            "m"
          )
        )
      }
    }))

  it.live("every file is checked before anything is sent", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const dir = yield* tempDir
      const empty = writeFile(dir, "empty.png", new Uint8Array(0))
      const run = yield* runCli(["upload", samples.png, empty, "--base-url", x.url, "--json"], oauth1Env(x))
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({ _tag: "EmptyMedia", source: empty })
      expect(x.requests()).toEqual([])
    }))

  it.live("--session takes one file; - can be given once", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const session = yield* runCli([
        "upload",
        samples.png,
        samples.gif,
        "--session",
        "s.json",
        "--base-url",
        x.url,
        "--json"
      ], oauth1Env(x))
      expect(session.code).toBe(2)
      expect(onlyJson(session.stdout)["error"]).toMatchObject({
        _tag: "UsageError",
        message: expect.stringContaining("--session works with one file")
      })
      const twice = yield* runCli(["upload", "-", "-", "--base-url", x.url, "--json"], oauth1Env(x))
      expect(twice.code).toBe(2)
      expect(x.requests()).toEqual([])
    }))
})

// Not concurrent: these look at the spool directories in the temporary directory.
describe("x-media upload - (standard input)", () => {
  it.live("uploads what standard input brings, and removes its temporary copy", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const bytes = mp4Bytes(300_000)
      const before = spoolDirectories()
      // In pieces, as a pipe delivers them.
      const stdin = Stream.fromIterable(
        Array.from({ length: 30 }, (_, i) => bytes.subarray(i * 10_000, (i + 1) * 10_000))
      )
      const run = yield* runCli(["upload", "-", "--base-url", x.url, "--chunk-size", "65536", "--json"], oauth1Env(x), {
        stdin
      })
      expect(run.code, run.stderr).toBe(0)
      const result = onlyJson(run.stdout)
      expect(result).toMatchObject({ media_type: "video/mp4", size: 300_000 })
      expect(x.media(String(result["media_id"]))?.sha256).toBe(sha256(bytes))
      expect(run.stderr).toContain("Planned: standard input, ")
      expect(spoolDirectories()).toEqual(before)
    }))

  it.live("interrupted while uploading standard input: the advice is to give the file by path with --session", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "APPEND", times: Infinity, fault: Fault.delay(5000) }]
      })
      const running = start(["upload", "-", "--base-url", x.url], oauth1Env(x), {
        stdin: Stream.succeed(mp4Bytes(8192))
      })
      const fiber = yield* Effect.forkChild(running.exit)
      yield* Effect.sync(() => x.requests().some((r) => r.step === "APPEND")).pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (sent) => sent }),
        Effect.timeout("20 seconds")
      )
      yield* Fiber.interrupt(fiber)
      expect(running.stderr()).toContain(
        "Interrupted; nothing was saved. To make an upload resumable, give the file by path with --session FILE."
      )
    }))

  it.live("an endless pipe stops at the category's limit with StandardInputTooLarge, nothing sent", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const before = spoolDirectories()
      const piece = new Uint8Array(64 * 1024)
      const run = yield* runCli(
        ["upload", "-", "--category", "tweet_image", "--base-url", x.url, "--json"],
        oauth1Env(x),
        { stdin: Stream.forever(Stream.succeed(piece)) }
      )
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({
        _tag: "StandardInputTooLarge",
        limit: 5_242_880,
        category: "tweet_image",
        // By path X would refuse the same bytes: the advice is about the media and its category.
        message: expect.stringContaining(
          "Compress or shorten it, or give the --category that fits the media if tweet_image does not."
        )
      })
      expect(x.requests()).toEqual([])
      expect(spoolDirectories()).toEqual(before)
    }))

  it.live("an unknown --category is refused before standard input is read (an endless pipe ends at once)", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const before = spoolDirectories()
      const run = yield* runCli(
        ["upload", "-", "--category", "tweet_picture", "--base-url", x.url, "--json"],
        oauth1Env(x),
        { stdin: Stream.forever(Stream.succeed(new Uint8Array(64 * 1024))) }
      )
      expect(run.code).toBe(2)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({
        _tag: "UsageError",
        message: expect.stringMatching(
          /^Invalid --category "tweet_picture": must be one of X's categories: tweet_image,/
        )
      })
      expect(x.requests()).toEqual([])
      expect(spoolDirectories()).toEqual(before)
    }))
})
