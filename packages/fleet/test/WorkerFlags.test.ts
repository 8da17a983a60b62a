/**
 * `x-media worker --timeout / --max-rate-limit-wait`: the request settings of the fleet's uploads are the
 * workers', so a worker told never to wait for X's rate limit fails a durable upload at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import type { ChildProcess } from "node:child_process"
import { inject } from "vitest"
import * as CliProcess from "./support/CliProcess.ts"
import { makeFiles, type RunningEmulator, startEmulator } from "./support/Harness.ts"
import { freshDatabase } from "./support/Servers.ts"

const servers = inject("servers")
const databaseUrl = freshDatabase(servers, "worker_flags")

let emulator: RunningEmulator
let worker: ChildProcess
let env: Record<string, string>

beforeAll(async () => {
  emulator = await startEmulator({ users: 1 })
  env = CliProcess.fleetEnv(emulator, servers, databaseUrl)
  worker = await CliProcess.startWorker(["--max-rate-limit-wait", "0", "--timeout", "2"], env)
}, 90_000)

afterAll(async () => {
  await CliProcess.killWorker(worker)
  await emulator?.close()
})

describe("x-media worker --max-rate-limit-wait 0 --timeout 2", () => {
  it(
    "--timeout 2: a one request that gets no answer is given up on after 2 s (not 60), and chunks follow",
    async () => {
      emulator.setFaults([{ step: "UPLOAD", fault: Fault.neverAnswer() }])
      const [file] = makeFiles([200_000])
      const started = Date.now()
      const run = await CliProcess.cli(["upload", file!, "--durable", "--json"], env)
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ state: "succeeded", size: 200_000 })
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(emulator.requests().map((r) => r.step).slice(0, 2)).toEqual(["UPLOAD", "INIT"])
    },
    90_000
  )

  // Last: X's used-up window stays in the fleet's rate budget (Redis) for the user.
  it(
    "--max-rate-limit-wait 0: a durable upload whose INIT meets a used-up window fails at once with RateLimited",
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
      const run = await CliProcess.cli(["upload", file!, "--durable", "--json"], env)
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
})
