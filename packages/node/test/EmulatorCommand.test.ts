import type { ChildProcess } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { cleanEnv, collect, onlyJson, runCli, samples, spawnCli } from "./support/Cli.ts"

/** Reads the child's stdout until it has printed `count` lines. */
const firstLines = (child: ChildProcess, count: number): Effect.Effect<ReadonlyArray<string>> =>
  Effect.callback<ReadonlyArray<string>>((resume) => {
    let text = ""
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8")
      const lines = text.split("\n")
      if (lines.length > count) {
        child.stdout?.off("data", onData)
        resume(Effect.succeed(lines.slice(0, count)))
      }
    }
    child.stdout?.on("data", onData)
  }).pipe(Effect.timeout("20 seconds"), Effect.orDie)

const running = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.acquireRelease(Effect.sync(() => spawnCli(["emulator", ...args], env)), (child) =>
    Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    }))

describe.concurrent("x-media emulator", () => {
  it.live("prints NAME=value lines that another process uploads with, and stops on SIGTERM", () =>
    Effect.gen(function*() {
      const child = yield* running(["--no-processing"], cleanEnv())
      const lines = yield* firstLines(child, 6)
      const settings = Object.fromEntries(lines.map((line) => {
        const at = line.indexOf("=")
        return [line.slice(0, at), line.slice(at + 1)]
      }))
      expect(Object.keys(settings)).toEqual([
        "X_MEDIA_BASE_URL",
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "X_OAUTH2_ACCESS_TOKEN"
      ])
      expect(settings["X_MEDIA_BASE_URL"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

      const { X_API_KEY: _k, X_API_SECRET: _s, X_ACCESS_TOKEN: _t, X_ACCESS_TOKEN_SECRET: _ts, ...oauth2Only } = settings
      const uploads = yield* Effect.all([
        runCli(["upload", samples.png, "--api", "v1", "--json"], cleanEnv(settings)),
        runCli(["upload", samples.png, "--api", "v2", "--json"], cleanEnv(settings)),
        runCli(["upload", samples.gif, "--json"], cleanEnv(oauth2Only))
      ], { concurrency: "unbounded" })
      for (const upload of uploads) {
        expect(upload.code, upload.stderr).toBe(0)
        expect(onlyJson(upload.stdout)).toMatchObject({ state: "succeeded" })
      }

      const exited = yield* Effect.forkChild(collect(child))
      child.kill("SIGTERM")
      const end = yield* Fiber.join(exited).pipe(Effect.timeout("10 seconds"), Effect.orDie)
      expect([0, 130, 143]).toContain(end.code)
      expect(end.stderr).toContain("Emulator stopped.")
      expect(end.stderr).not.toContain("    at ")
    }))

  it.live("takes credentials from flags, then the environment (not echoed), and generates the rest", () =>
    Effect.gen(function*() {
      const child = yield* running(
        ["--api-key", "key-from-flag", "--port", "0"],
        cleanEnv({ X_API_SECRET: "SECRET-DO-NOT-PRINT-from-env" })
      )
      const lines = yield* firstLines(child, 6)
      expect(lines[1]).toBe("X_API_KEY=key-from-flag")
      expect(lines[2]).toBe("# X_API_SECRET is taken from this shell's environment (not printed)")
      expect(lines[3]).toMatch(/^X_ACCESS_TOKEN=\d+-\S+$/)
      expect(lines.join("\n")).not.toContain("DO-NOT-PRINT")
      const url = lines[0]?.slice("X_MEDIA_BASE_URL=".length) ?? ""
      const tokens = Object.fromEntries(lines.slice(3).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]))
      const upload = yield* runCli(
        ["upload", samples.png, "--base-url", url, "--json"],
        cleanEnv({ ...tokens, X_API_KEY: "key-from-flag", X_API_SECRET: "SECRET-DO-NOT-PRINT-from-env" })
      )
      expect(upload.code, upload.stderr).toBe(0)
    }))

  it.live("an invalid --port is a usage error", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["emulator", "--port", "70000"])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("Invalid --port \"70000\"")
      expect(run.stdout).toBe("")
    }))
})
