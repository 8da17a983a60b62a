import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { type ChildProcess, execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { promisify } from "node:util"
import { inject } from "vitest"
import * as CliProcess from "./support/CliProcess.ts"
import { makeFiles, removeMadeFiles, type RunningEmulator, startEmulator } from "./support/Harness.ts"
import { freshDatabase } from "./support/Servers.ts"

const servers = inject("servers")
const databaseUrl = freshDatabase(servers, "cli")
const repoRoot = CliProcess.repoRoot

let emulator: RunningEmulator
let worker: ChildProcess
let env: Record<string, string>

const cli = (args: ReadonlyArray<string>) => CliProcess.cli(args, env)

beforeAll(async () => {
  emulator = await startEmulator({ users: 1 })
  env = CliProcess.fleetEnv(emulator, servers, databaseUrl)
  // The request flags the fleet's uploads take from their workers: an idle timeout of 5 s (60 by default),
  // and waits for X's rate limit of up to 30 s (900 by default; the harness's short windows need some).
  worker = await CliProcess.startWorker(["--concurrency", "4", "--timeout", "5", "--max-rate-limit-wait", "30"], env)
}, 90_000)

afterAll(async () => {
  await CliProcess.killWorker(worker)
  await emulator?.close()
  removeMadeFiles()
})

describe("x-media worker / upload --durable / fleet status (the real CLI)", () => {
  it("uploads through the fleet, prints what upload prints, and joins the same upload when run again", async () => {
    const [file] = makeFiles([300_000])
    const first = await cli(["upload", file!, "--durable", "--json", "--chunk-size", "65536"])
    expect(first.code, first.stderr).toBe(0)
    const media = JSON.parse(first.stdout) as Record<string, unknown>
    expect(Object.keys(media).sort()).toEqual(
      ["expires_at", "media_category", "media_id", "media_key", "media_type", "size", "state"]
    )
    expect(media["state"]).toBe("succeeded")
    expect(emulator.media(String(media["media_id"]))?.sha256).toBe(
      createHash("sha256").update(readFileSync(file!)).digest("hex")
    )
    const again = await cli(["upload", file!, "--durable"])
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe(media["media_id"])
    expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(1)

    const status = await cli(["fleet", "status", "--json"])
    expect(status.code).toBe(0)
    const { uploads } = JSON.parse(status.stdout) as { uploads: ReadonlyArray<Record<string, unknown>> }
    expect(uploads.find((u) => u["media_id"] === media["media_id"])).toMatchObject({
      state: "succeeded",
      segments_done: 5,
      segment_count: 5
    })
  }, 90_000)

  it("examples/fleet.ts runs a worker and a durable upload in one process (embedded emulator)", async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/fleet.ts"], {
      cwd: repoRoot,
      env: {
        PATH: env["PATH"]!,
        HOME: env["HOME"]!,
        X_MEDIA_DATABASE_URL: freshDatabase(servers, "example"),
        X_MEDIA_REDIS_URL: servers.redisUrl
      },
      encoding: "utf8"
    })
    expect(stdout.trim(), stderr).toMatch(/^\d{19}$/)
  }, 60_000)

  it(
    "--timeout 5 on the worker: a one request that gets no answer is given up on after 5 s (not 60), and chunks follow",
    async () => {
      emulator.reset()
      emulator.setFaults([{ step: "UPLOAD", fault: Fault.neverAnswer() }])
      const [file] = makeFiles([200_000])
      const started = Date.now()
      const run = await cli(["upload", file!, "--durable", "--json"])
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ state: "succeeded", size: 200_000 })
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(emulator.requests().map((r) => r.step).slice(0, 2)).toEqual(["UPLOAD", "INIT"])
    },
    90_000
  )

  // After the uploads: X's used-up window stays in the fleet's rate budget (Redis) for the user.
  it(
    "--max-rate-limit-wait 30 on the worker: a durable upload whose INIT meets a 10-minute window fails at once with RateLimited",
    async () => {
      // X's windows reset in 10 minutes: a worker with the default bound (900 s) would wait for them. The
      // image's one request (UPLOAD) never waits; declined, the upload goes on in chunks, from INIT.
      emulator.reset()
      emulator.setFaults([
        { step: "UPLOAD", times: Infinity, fault: Fault.rateLimited(600) },
        { step: "INIT", times: Infinity, fault: Fault.rateLimited(600) }
      ])
      const [file] = makeFiles([300_000])
      const started = Date.now()
      const run = await cli(["upload", file!, "--durable", "--json"])
      expect(run.code, run.stderr).toBe(1)
      expect(JSON.parse(run.stdout)).toMatchObject({ error: { _tag: "RateLimited", step: "INIT" } })
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(1)
      // The advice names the workers' flag: upload --durable refuses it.
      expect(run.stderr).toContain(
        "To wait for the window instead: start the workers with --max-rate-limit-wait SECONDS"
      )
    },
    90_000
  )

  it("a worker leaves on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)))
    worker.kill("SIGTERM")
    expect([130, 143]).toContain(await exited)
  }, 30_000)
})
