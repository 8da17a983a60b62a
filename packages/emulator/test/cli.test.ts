import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schedule } from "effect"
import { Command } from "effect/cli"
import { TestConsole } from "effect/testing"
import { command, version } from "../src/Cli.ts"
import { at, type Client, mp4Bytes, v2Upload } from "./helpers.ts"

/** Starts `x-media-emulator args…` in this process; what it prints goes to the test's `TestConsole`. */
const start = (args: ReadonlyArray<string>) =>
  Command.runWith(command, { version })(args).pipe(Effect.provide(NodeServices.layer), Effect.forkChild)

/** The `NAME=value` lines printed so far. */
const settings = Effect.map(TestConsole.logLines, (logged) =>
  Object.fromEntries(
    logged.flatMap((entry) => String(entry).split("\n")).map((line) => [
      line.slice(0, line.indexOf("=")),
      line.slice(line.indexOf("=") + 1)
    ])
  ))

/** The emulator a started command printed the settings of, as a client of its first user. */
const clientOf = settings.pipe(
  Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (printed) => "X_OAUTH2_ACCESS_TOKEN" in printed }),
  Effect.timeout("20 seconds"),
  Effect.orDie,
  Effect.map((printed): Client => ({
    url: printed["X_MEDIA_BASE_URL"] ?? "",
    credentials: {
      consumerKey: printed["X_API_KEY"] ?? "",
      consumerSecret: printed["X_API_SECRET"] ?? "",
      accessToken: printed["X_ACCESS_TOKEN"] ?? "",
      accessTokenSecret: printed["X_ACCESS_TOKEN_SECRET"] ?? "",
      oauth2Token: printed["X_OAUTH2_ACCESS_TOKEN"] ?? ""
    }
  }))
)

describe("x-media-emulator", () => {
  it.live("--no-processing: a video is ready at FINALIZE", () =>
    Effect.gen(function*() {
      const fiber = yield* start(["--no-processing", "--port", "0"])
      const client = yield* clientOf
      expect(client.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const { finalize } = yield* v2Upload(client, mp4Bytes(2000), "video/mp4", 2000, "tweet_video")
      expect(finalize.status).toBe(200)
      expect(at(finalize.json, "data", "processing_info")).toBeUndefined()
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestConsole.layer)))

  it.live("processes video by default, answering the --check-after-secs it was given", () =>
    Effect.gen(function*() {
      const fiber = yield* start(["--check-after-secs", "3"])
      const { finalize } = yield* v2Upload(yield* clientOf, mp4Bytes(2000), "video/mp4", 2000, "tweet_video")
      expect(at(finalize.json, "data", "processing_info")).toEqual({ state: "pending", check_after_secs: 3 })
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestConsole.layer)))

  it.live("refuses numbers out of range before it listens", () =>
    Effect.gen(function*() {
      for (const args of [["--check-after-secs", "-1"], ["--port", "70000"], ["--port", "abc"]]) {
        const exit = yield* Fiber.await(yield* start(args))
        expect(Exit.isFailure(exit), args.join(" ")).toBe(true)
        expect(yield* settings, args.join(" ")).not.toHaveProperty("X_MEDIA_BASE_URL")
      }
    }).pipe(Effect.provide(TestConsole.layer)))
})
