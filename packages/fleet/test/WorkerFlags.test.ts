/**
 * `x-media worker --timeout / --max-rate-limit-wait`: the request settings of the fleet's uploads are the
 * workers', so a worker told never to wait for X's rate limit fails a durable upload at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { inject } from "vitest"
import { makeFiles, type RunningEmulator, startEmulator } from "./support/Harness.ts"
import { freshDatabase } from "./support/Servers.ts"

const servers = inject("servers")
const databaseUrl = freshDatabase(servers, "worker_flags")
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const bin = "packages/node/src/bin.ts"

let emulator: RunningEmulator
let worker: ChildProcess
let env: Record<string, string>

/** Runs `x-media ARGS` to its end: exit code, stdout, stderr. */
const cli = async (args: ReadonlyArray<string>) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", bin, ...args], {
      cwd: repoRoot,
      env,
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
  worker = spawn(
    process.execPath,
    ["--import", "tsx", bin, "worker", "--max-rate-limit-wait", "0", "--timeout", "30"],
    {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
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

describe("x-media worker --max-rate-limit-wait", () => {
  it("0: a durable upload whose INIT meets a used-up window fails at once with RateLimited", async () => {
    // X's windows reset in 10 minutes: a worker with the default bound (900 s) would wait for them. The
    // image's one request (UPLOAD) never waits; declined, the upload goes on in chunks, from INIT.
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
  }, 90_000)
})
