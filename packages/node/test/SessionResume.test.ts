import { describe, expect, it } from "@effect/vitest"
import { UploadSession } from "@x-media/core"
import { Fault } from "@x-media/emulator"
import { Effect, Fiber, Schedule } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { emulator, mp4Bytes, oauth1Env, onlyJson, segmentsSaved, tempDir, writeFile } from "./support/Cli.ts"
import { runCli, start } from "./support/InProcess.ts"

/** An emulator that answers every APPEND `millis` late (no processing). */
const slowAppends = (millis: number) =>
  emulator({
    processing: { enabled: false },
    faults: [{ step: "APPEND", times: Infinity, fault: Fault.delay(millis) }]
  })

/** `upload FILE --session PATH` in segments of 4 KiB to `url`, with `extra` flags. */
const sessionUpload = (url: string, file: string, sessionPath: string, ...extra: ReadonlyArray<string>) => [
  "upload",
  file,
  "--base-url",
  url,
  "--chunk-size",
  "4096",
  ...extra,
  "--session",
  sessionPath
]

describe.concurrent("x-media upload --session", () => {
  it.live("an interrupt keeps the session and says where; the rerun sends only the missing segments", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "APPEND", times: Infinity, fault: Fault.delay(300) }]
      })
      const dir = yield* tempDir
      const bytes = mp4Bytes(16 * 4096 - 100)
      const file = writeFile(dir, "clip.mp4", bytes)
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
      const env = oauth1Env(x)

      const running = start(args, env)
      const fiber = yield* Effect.forkChild(running.exit)
      yield* Effect.sync(() => segmentsSaved(sessionPath)).pipe(
        Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (n) => n >= 4 }),
        Effect.timeout("20 seconds")
      )
      yield* Fiber.interrupt(fiber)
      expect(running.stderr()).toMatch(
        /Interrupted\. The upload session of media \d+ \(\d+ of 16 segments on X\) is saved in /
      )
      expect(onlyJson(running.stdout())["error"]).toMatchObject({ _tag: "Interrupted" })

      expect(existsSync(sessionPath)).toBe(true)
      const session = yield* UploadSession.decodeSession(readFileSync(sessionPath, "utf8"))
      expect(session.finalized).toBe(false)
      expect(session.segmentsDone.length).toBeGreaterThanOrEqual(4)
      expect(session.missingSegments.length).toBeGreaterThan(0)

      x.setFaults([])
      const before = x.requests().length
      const resumed = yield* runCli(args, env)
      expect(resumed.code, resumed.stderr).toBe(0)
      expect(onlyJson(resumed.stdout)).toMatchObject({
        media_id: session.mediaId,
        state: "succeeded",
        size: bytes.byteLength
      })
      expect(resumed.stderr).toContain(`Resumed media ${session.mediaId}`)

      const appended = x.requests().slice(before).filter((r) => r.step === "APPEND").map((r) => r.segmentIndex)
      expect(appended.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(session.missingSegments)
      expect(x.requests().slice(before).filter((r) => r.step === "INIT")).toEqual([])
      expect(x.media(session.mediaId)?.sha256).toBe(createHash("sha256").update(bytes).digest("hex"))
      expect(existsSync(sessionPath)).toBe(false)
    }))

  it.live("a failure X may get past keeps the session and says so; a processing failure drops it", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { checkAfterSecs: 0 },
        // Segment 2 stalls (UploadStalled after 3 idle times): a rerun may get past it.
        faults: [{ step: "APPEND", segmentIndex: 2, times: Infinity, fault: Fault.delay(1000) }]
      })
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(3 * 4096))
      const sessionPath = join(dir, "s.json")
      const args = [
        "upload",
        file,
        "--base-url",
        x.url,
        "--chunk-size",
        "4096",
        "--concurrency",
        "1",
        "--timeout",
        "0.2",
        "--session",
        sessionPath
      ]
      const env = oauth1Env(x)
      const failed = yield* runCli(args, env)
      expect(failed.code).toBe(1)
      expect(failed.stderr).toMatch(
        /^Error: [^\n]*segment 2[^\n]*\nThe upload session of media \d+ \(2 of 3 segments on X\) is kept in [^\n]*; run the same command again to resume it\.\nTo allow more idle time: --timeout SECONDS/mi
      )
      expect(existsSync(sessionPath)).toBe(true)

      x.setFaults([{ step: "STATUS", fault: Fault.processingFailed() }, {
        step: "FINALIZE",
        fault: Fault.processingFailed()
      }])
      const rejected = yield* runCli([...args, "--json"], env)
      expect(rejected.code).toBe(1)
      expect(onlyJson(rejected.stdout)["error"]).toMatchObject({ _tag: "ProcessingFailed", errorName: "InvalidMedia" })
      expect(rejected.stderr).not.toContain("is kept in")
      expect(existsSync(sessionPath)).toBe(false)
    }))

  for (const step of ["FINALIZE", "APPEND"] as const) {
    it.live(`${step} answered 400 (X refuses the request as it is) removes the session instead of advising a rerun`, () =>
      Effect.gen(function*() {
        const x = yield* emulator({
          processing: { enabled: false },
          faults: [{ step, fault: { _tag: "HttpError", status: 400 } }]
        })
        const dir = yield* tempDir
        const file = writeFile(dir, "clip.mp4", mp4Bytes(2 * 4096))
        const sessionPath = join(dir, "s.json")
        const run = yield* runCli(
          ["upload", file, "--base-url", x.url, "--chunk-size", "4096", "--session", sessionPath],
          oauth1Env(x)
        )
        expect(run.code).toBe(1)
        expect(run.stderr).toMatch(new RegExp(`Error: X answered HTTP 400 to ${step}`))
        expect(run.stderr).not.toContain("is kept in")
        expect(existsSync(sessionPath)).toBe(false)
      }))
  }

  it.live("a session that could not be saved is not claimed to be kept", () =>
    Effect.gen(function*() {
      const x = yield* slowAppends(1000)
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(2 * 4096))
      const sessionPath = join(dir, "no such directory", "s.json")
      const run = yield* runCli(sessionUpload(x.url, file, sessionPath, "--timeout", "0.2"), oauth1Env(x))
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`Could not save the upload session to ${sessionPath}`)
      expect(run.stderr).not.toContain("is kept in")
    }))

  it.live("a session of another file says how to upload this one instead, and following that works", () =>
    Effect.gen(function*() {
      const x = yield* slowAppends(1000)
      const dir = yield* tempDir
      const first = writeFile(dir, "first.mp4", mp4Bytes(2 * 4096))
      const second = writeFile(dir, "second.mp4", mp4Bytes(3 * 4096))
      const sessionPath = join(dir, "s.json")
      const upload = (file: string) => runCli(sessionUpload(x.url, file, sessionPath, "--timeout", "0.2"), oauth1Env(x))
      expect((yield* upload(first)).code).toBe(1)
      expect(existsSync(sessionPath)).toBe(true)
      x.setFaults([])
      const other = yield* upload(second)
      expect(other.code).toBe(2)
      expect(other.stderr).toContain("resume with the same file.")
      expect(other.stderr).toContain(
        `To upload this file as a new media instead, delete ${sessionPath} or give --session another path.`
      )
      rmSync(sessionPath)
      const followed = yield* upload(second)
      expect(followed.code, followed.stderr).toBe(0)
    }))

  it.live("a file that changes during the upload ends it and removes the session: X has other bytes", () =>
    Effect.gen(function*() {
      const x = yield* slowAppends(200)
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(8 * 4096))
      const sessionPath = join(dir, "s.json")
      const running = start(sessionUpload(x.url, file, sessionPath, "--concurrency", "1"), oauth1Env(x))
      const fiber = yield* Effect.forkChild(running.exit)
      yield* Effect.sync(() => segmentsSaved(sessionPath)).pipe(
        Effect.repeat({ schedule: Schedule.spaced("10 millis"), until: (n) => n >= 2 }),
        Effect.timeout("20 seconds")
      )
      // Cut the file short: the segments still to read are not there any more.
      writeFile(dir, "clip.mp4", mp4Bytes(4096))
      const run = yield* Fiber.join(fiber)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^Error: .*changed/m)
      expect(run.stderr).not.toContain("is kept in")
      expect(existsSync(sessionPath)).toBe(false)
    }))

  it.live("--session with --emulator is a usage error: the embedded emulator ends with the command", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(5000))
      const run = yield* runCli(["upload", file, "--emulator", "--session", join(dir, "s.json")], {})
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("--session cannot be combined with --emulator")
      expect(existsSync(join(dir, "s.json"))).toBe(false)
    }))

  it.live("a file that is not a session is a usage error, and nothing is sent", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(5000))
      const sessionPath = writeFile(dir, "broken.json", new TextEncoder().encode("{\"mediaId\":"))
      const run = yield* runCli(["upload", file, "--base-url", x.url, "--session", sessionPath, "--json"], oauth1Env(x))
      expect(run.code).toBe(2)
      // Found before the credentials: without any, the session file is still what is reported.
      const noCredentials = yield* runCli(["upload", file, "--base-url", x.url, "--session", sessionPath, "--json"], {})
      expect(onlyJson(noCredentials.stdout)["error"]).toMatchObject({ _tag: "UsageError" })
      expect(onlyJson(run.stdout)["error"]).toMatchObject({
        _tag: "UsageError",
        message: expect.stringContaining("is not an x-media upload session")
      })
      expect(x.requests()).toEqual([])
    }))
})
