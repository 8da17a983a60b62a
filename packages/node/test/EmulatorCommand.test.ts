import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { createServer } from "node:net"
import { onlyJson, samples } from "./support/Cli.ts"
import { runCli, type Running, start } from "./support/InProcess.ts"

/** The first `count` lines the run printed on stdout, once it has printed them. */
const firstLines = (running: Running, count: number): Effect.Effect<ReadonlyArray<string>> =>
  Effect.sync(() => running.stdout().split("\n")).pipe(
    Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (lines) => lines.length > count }),
    Effect.map((lines) => lines.slice(0, count)),
    Effect.timeout("20 seconds"),
    Effect.orDie
  )

const settingsOf = (lines: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]))

describe.concurrent("x-media emulator", () => {
  it.live("prints NAME=value lines that uploads use, and stops when interrupted", () =>
    Effect.gen(function*() {
      const running = start(["emulator", "--no-processing"])
      const fiber = yield* Effect.forkChild(running.exit)
      const settings = settingsOf(yield* firstLines(running, 6))
      expect(Object.keys(settings)).toEqual([
        "X_MEDIA_BASE_URL",
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "X_OAUTH2_ACCESS_TOKEN"
      ])
      expect(settings["X_MEDIA_BASE_URL"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

      const { X_API_KEY: _k, X_API_SECRET: _s, X_ACCESS_TOKEN: _t, X_ACCESS_TOKEN_SECRET: _ts, ...oauth2Only } =
        settings
      const uploads = yield* Effect.all([
        runCli(["upload", samples.png, "--api", "v1", "--json"], settings),
        runCli(["upload", samples.png, "--api", "v2", "--json"], settings),
        runCli(["upload", samples.gif, "--json"], oauth2Only)
      ], { concurrency: "unbounded" })
      for (const upload of uploads) {
        expect(upload.code, upload.stderr).toBe(0)
        expect(onlyJson(upload.stdout)).toMatchObject({ state: "succeeded" })
      }

      yield* Fiber.interrupt(fiber)
      expect(running.stderr()).toContain("Emulator stopped.")
    }))

  it.live("takes credentials from flags, then the environment (not echoed), and generates the rest", () =>
    Effect.gen(function*() {
      const running = start(["emulator", "--api-key", "key-from-flag", "--port", "0"], {
        X_API_SECRET: "SECRET-DO-NOT-PRINT-from-env",
        X_ACCESS_TOKEN_SECRET: "  "
      })
      const fiber = yield* Effect.forkChild(running.exit)
      const lines = yield* firstLines(running, 6)
      expect(lines[1]).toBe("X_API_KEY=key-from-flag")
      expect(lines[2]).toBe("# X_API_SECRET is taken from this shell's environment (not printed)")
      expect(lines[3]).toMatch(/^X_ACCESS_TOKEN=\d+-\S+$/)
      // A blank variable counts as not set: a secret is generated and printed.
      expect(lines[4]).toMatch(/^X_ACCESS_TOKEN_SECRET=\S+$/)
      expect(lines.join("\n")).not.toContain("DO-NOT-PRINT")
      const url = lines[0]?.slice("X_MEDIA_BASE_URL=".length) ?? ""
      const tokens = settingsOf(lines.slice(3))
      const upload = yield* runCli(
        ["upload", samples.png, "--base-url", url, "--json"],
        { ...tokens, X_API_KEY: "key-from-flag", X_API_SECRET: "SECRET-DO-NOT-PRINT-from-env" }
      )
      expect(upload.code, upload.stderr).toBe(0)
      yield* Fiber.interrupt(fiber)
    }))

  it.live("an invalid --port is a usage error, in the same words whether out of range or not a number", () =>
    Effect.gen(function*() {
      for (const port of ["70000", "abc"]) {
        const run = yield* runCli(["emulator", "--port", port])
        expect(run.code).toBe(2)
        expect(run.stderr).toBe(
          `Error: Invalid --port "${port}": must be a whole number from 0 to 65535\nRun \`x-media emulator --help\` for usage.\n`
        )
        expect(run.stdout).toBe("")
      }
    }))

  it.live("a port in use: the emulator could not start, choose another --port (exit 1)", () =>
    Effect.gen(function*() {
      const taken = createServer()
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))),
        () => Effect.promise(() => new Promise((resolve) => taken.close(resolve)))
      )
      const address = taken.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const run = yield* runCli(["emulator", "--port", String(port)])
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(
        /^Error: The emulator could not start: .*EADDRINUSE.*\. Choose another --port or --host\.\n$/
      )
      expect(run.stdout).toBe("")
    }).pipe(Effect.scoped))
})
