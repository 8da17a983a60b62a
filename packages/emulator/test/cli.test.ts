import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Console, Effect, Exit, Fiber, Schedule } from "effect"
import { Command } from "effect/cli"
import { command, version } from "../src/Cli.ts"
import { at, type Client, mp4Bytes, v2Upload } from "./helpers.ts"

/** Runs `x-media-emulator args…` in this process, its stdout lines collected. */
const start = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const console: Console.Console = {
      ...globalThis.console,
      log: (...parts: ReadonlyArray<unknown>) => lines.push(...parts.join(" ").split("\n")),
      error: () => undefined
    }
    const fiber = yield* Command.runWith(command, { version })(args).pipe(
      Effect.provide(NodeServices.layer),
      Effect.provideService(Console.Console, console),
      Effect.forkChild
    )
    return { fiber, lines }
  })

/** The emulator a started command printed the settings of, as a client of its OAuth 2.0 user. */
const clientOf = (lines: ReadonlyArray<string>) =>
  Effect.sync(() =>
    Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]))
  ).pipe(
    Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (settings) => "X_OAUTH2_ACCESS_TOKEN" in settings }),
    Effect.timeout("20 seconds"),
    Effect.orDie,
    Effect.map((settings): Client => ({
      url: settings["X_MEDIA_BASE_URL"] ?? "",
      credentials: {
        consumerKey: settings["X_API_KEY"] ?? "",
        consumerSecret: settings["X_API_SECRET"] ?? "",
        accessToken: settings["X_ACCESS_TOKEN"] ?? "",
        accessTokenSecret: settings["X_ACCESS_TOKEN_SECRET"] ?? "",
        oauth2Token: settings["X_OAUTH2_ACCESS_TOKEN"] ?? ""
      }
    }))
  )

describe("x-media-emulator", () => {
  it.live("--no-processing: a video is ready at FINALIZE", () =>
    Effect.gen(function*() {
      const { fiber, lines } = yield* start(["--no-processing", "--port", "0"])
      const client = yield* clientOf(lines)
      expect(client.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const { finalize } = yield* v2Upload(client, mp4Bytes(2000), "video/mp4", 2000, "tweet_video")
      expect(finalize.status).toBe(200)
      expect(at(finalize.json, "data", "processing_info")).toBeUndefined()
      yield* Fiber.interrupt(fiber)
    }))

  it.live("processes video by default, answering the --check-after-secs it was given", () =>
    Effect.gen(function*() {
      const { fiber, lines } = yield* start(["--check-after-secs", "3"])
      const { finalize } = yield* v2Upload(yield* clientOf(lines), mp4Bytes(2000), "video/mp4", 2000, "tweet_video")
      expect(at(finalize.json, "data", "processing_info")).toEqual({ state: "pending", check_after_secs: 3 })
      yield* Fiber.interrupt(fiber)
    }))

  it.live("refuses numbers out of range before it listens", () =>
    Effect.gen(function*() {
      for (const args of [["--check-after-secs", "-1"], ["--port", "70000"], ["--port", "abc"]]) {
        const { fiber, lines } = yield* start(args)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.isFailure(exit), args.join(" ")).toBe(true)
        expect(lines.some((line) => line.startsWith("X_MEDIA_BASE_URL=")), args.join(" ")).toBe(false)
      }
    }))
})
