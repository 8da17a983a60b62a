import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { inject } from "vitest"
import { makeFiles, type RunningEmulator, startEmulator } from "./support/Harness.ts"
import { freshDatabase } from "./support/Servers.ts"

const servers = inject("servers")
const databaseUrl = freshDatabase(servers, "cli")
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const bin = "packages/node/src/bin.ts"

let emulator: RunningEmulator
let worker: ChildProcess
let env: Record<string, string>

/** Runs `x-media ARGS` to its end: exit code, stdout, stderr. */
const cli = async (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", bin, ...args], {
      cwd: repoRoot,
      env: { ...env, ...extraEnv },
      encoding: "utf8"
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ users: 1 })
  const c = emulator.credentials
  env = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    X_MEDIA_DATABASE_URL: databaseUrl,
    X_MEDIA_REDIS_URL: servers.redisUrl,
    X_MEDIA_BASE_URL: emulator.url,
    X_API_KEY: c.consumerKey,
    X_API_SECRET: c.consumerSecret,
    X_ACCESS_TOKEN: c.accessToken,
    X_ACCESS_TOKEN_SECRET: c.accessTokenSecret
  }
  worker = spawn(process.execPath, ["--import", "tsx", bin, "worker", "--concurrency", "4"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  await new Promise<void>((resolve, reject) => {
    let output = ""
    const timer = setTimeout(() => reject(new Error(`worker did not join:\n${output}`)), 60_000)
    const onData = (text: string) => {
      output += text
      if (output.includes("joined the fleet")) {
        clearTimeout(timer)
        resolve()
      }
    }
    worker.stdout?.setEncoding("utf8").on("data", onData)
    worker.stderr?.setEncoding("utf8").on("data", onData)
  })
}, 90_000)

afterAll(async () => {
  if (worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once("exit", resolve))
    worker.kill("SIGKILL")
    await exited
  }
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
