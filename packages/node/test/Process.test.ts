/**
 * The few things only a real process shows: exit codes as the shell sees them, signals, standard
 * input through a pipe, and what goes to stdout versus stderr. Everything else runs in process.
 */
import { describe, expect, it } from "@effect/vitest"
import { UploadSession } from "@x-media/core"
import { Fault } from "@x-media/emulator"
import { Effect, Fiber, Schedule } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  cleanEnv,
  collect,
  emulator,
  mp4Bytes,
  oauth1Env,
  onlyJson,
  runProcess,
  samples,
  segmentsSaved,
  spawnCli,
  tempDir,
  writeFile
} from "./support/Cli.ts"

/** A process pays for Node and the TypeScript loader at start, which a busy machine makes slow. */
const processTimeout = 90_000

describe.concurrent("x-media as a process", () => {
  it.live(
    "exit 0 with only the media id on stdout; exit 2 and 1 with the error on stderr and nothing on stdout",
    () =>
      Effect.gen(function*() {
        const x = yield* emulator({ processing: { enabled: false } })
        const dir = yield* tempDir
        const empty = writeFile(dir, "empty.png", new Uint8Array(0))
        const [ok, usage, failed] = yield* Effect.all([
          runProcess(["upload", samples.png, "--base-url", x.url], cleanEnv(oauth1Env(x))),
          runProcess(["upload", samples.png, "--concurrency", "abc"], cleanEnv(oauth1Env(x))),
          runProcess(["upload", empty, "--base-url", x.url], cleanEnv(oauth1Env(x)))
        ], { concurrency: "unbounded" })
        expect(ok.code, ok.stderr).toBe(0)
        expect(ok.stdout).toMatch(/^[0-9]{1,19}\n$/)
        expect(ok.stderr).toContain(`Uploaded ${samples.png} as media ${ok.stdout.trim()}: ready to post.`)
        expect(usage.code).toBe(2)
        expect(usage.stdout).toBe("")
        expect(usage.stderr).toBe(
          "Error: Invalid --concurrency \"abc\": must be a whole number from 1 to 16\nRun `x-media upload --help` for usage.\n"
        )
        expect(failed.code).toBe(1)
        expect(failed.stdout).toBe("")
        expect(failed.stderr).toBe(`Error: ${empty} is empty (0 bytes); X does not accept empty media.\n`)
      }),
    processTimeout
  )

  it.live("SIGINT keeps the session file and exits 130 with the Interrupted object", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "APPEND", times: Infinity, fault: Fault.delay(1000) }]
      })
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(16 * 4096 - 100))
      const sessionPath = join(dir, "clip.session.json")
      const args = [
        "upload",
        file,
        "--base-url",
        x.url,
        "--chunk-size",
        "4096",
        "--concurrency",
        "2",
        "--session",
        sessionPath,
        "--json"
      ]
      const child = spawnCli(args, cleanEnv(oauth1Env(x)))
      const exited = yield* Effect.forkChild(collect(child))
      yield* Effect.sync(() => segmentsSaved(sessionPath)).pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (n) => n >= 2 }),
        Effect.timeout("60 seconds")
      )
      child.kill("SIGINT")
      const interrupted = yield* Fiber.join(exited)
      expect(interrupted.code, interrupted.stderr).toBe(130)
      expect(interrupted.stderr).toMatch(
        /Interrupted\. The upload session of media \d+ \(\d+ of 16 segments on X\) is saved in /
      )
      expect(onlyJson(interrupted.stdout)["error"]).toMatchObject({ _tag: "Interrupted" })
      expect(interrupted.stderr).not.toContain("    at ")
      expect(interrupted.stderr).not.toMatch(/unhandled|UnhandledPromiseRejection/i)
      const session = yield* UploadSession.decodeSession(readFileSync(sessionPath, "utf8"))
      expect(session.finalized).toBe(false)
      expect(session.missingSegments.length).toBeGreaterThan(0)
    }), processTimeout)

  it.live("- reads the media from a pipe on standard input", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const bytes = readFileSync(samples.png)
      const run = yield* runProcess(["upload", "-", "--base-url", x.url, "--json"], cleanEnv(oauth1Env(x)), bytes)
      expect(run.code, run.stderr).toBe(0)
      expect(onlyJson(run.stdout)).toMatchObject({
        media_type: "image/png",
        size: bytes.byteLength,
        state: "succeeded"
      })
    }), processTimeout)

  it.live("x-media emulator stops on SIGTERM", () =>
    Effect.gen(function*() {
      const child = spawnCli(["emulator"], cleanEnv())
      const exited = yield* Effect.forkChild(collect(child))
      yield* Effect.callback<void>((resume) => {
        child.stdout?.once("data", () => resume(Effect.void))
      }).pipe(Effect.timeout("60 seconds"))
      child.kill("SIGTERM")
      const end = yield* Fiber.join(exited).pipe(Effect.timeout("30 seconds"), Effect.orDie)
      expect([0, 130, 143]).toContain(end.code)
      expect(end.stderr).toContain("Emulator stopped.")
      expect(end.stderr).not.toContain("    at ")
    }), processTimeout)
})
