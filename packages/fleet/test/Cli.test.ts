import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { promisify } from "node:util"
import { inject } from "vitest"
import * as CliProcess from "./support/CliProcess.ts"
import { makeFiles, type RunningEmulator, startEmulator } from "./support/Harness.ts"
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
  worker = await CliProcess.startWorker(["--concurrency", "4"], env)
}, 90_000)

afterAll(async () => {
  await CliProcess.killWorker(worker)
  await emulator?.close()
})

describe("x-media worker / upload --durable / fleet status (the real CLI)", () => {
  it("uploads through the fleet, prints what upload prints, and joins the same upload when run again", async () => {
    const [file] = makeFiles([300_000])
    const first = await cli(["upload", file!, "--durable", "--json", "--chunk-size", "65536"])
    expect(first.code).toBe(0)
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

  it("a worker leaves on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)))
    worker.kill("SIGTERM")
    expect([130, 143]).toContain(await exited)
  }, 30_000)
})
