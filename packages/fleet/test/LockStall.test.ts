import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Credentials } from "@x-media/core"
import { Effect, Fiber } from "effect"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { inject } from "vitest"
import * as Fleet from "../src/Fleet.ts"
import {
  clientRuntime,
  makeFiles,
  removeMadeFiles,
  type RunningEmulator,
  startEmulator,
  startWorker,
  stopWorker,
  type WorkerProcess
} from "./support/Harness.ts"
import { freshDatabase, pgBin } from "./support/Servers.ts"

const shared = inject("servers")
const servers = { ...shared, databaseUrl: freshDatabase(shared, "lockstall") }
const windowMillis = 3000
const segment = 64 * 1024

let emulator: RunningEmulator
let worker: WorkerProcess
let client: ReturnType<typeof clientRuntime>
let user: string

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")
const waitFor = async (what: string, condition: () => boolean, timeoutMillis = 30_000) => {
  const until = Date.now() + timeoutMillis
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
/**
 * Holds the cluster's shard-lock table locked for `millis` from another session: the worker's lock
 * refreshes and ownership checks wait, as they do when PostgreSQL or the worker stalls.
 */
const stallShardLocks = (millis: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const psql = spawn(`${pgBin}/psql`, [
      servers.databaseUrl,
      "-c",
      `BEGIN; LOCK TABLE cluster_locks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${millis / 1000}); COMMIT;`
    ], { stdio: "ignore" })
    psql.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`))))
  })

beforeAll(async () => {
  emulator = await startEmulator({
    users: 1,
    rateLimits: { INIT: 20, APPEND: 40, FINALIZE: 20, STATUS: 40, windowMillis }
  })
  user = await Effect.runPromise(Credentials.userOf(Credentials.oauth1(emulator.users[0]!.credentials)))
  worker = await startWorker(servers, emulator, { windowMillis })
  client = clientRuntime(servers)
}, 90_000)

afterAll(async () => {
  await stopWorker(worker, "SIGKILL")
  await client?.dispose()
  await emulator?.close()
  removeMadeFiles()
}, 30_000)

describe("fleet under a shard-lock stall (real PostgreSQL, a worker process)", () => {
  it("the worker cannot confirm its shard locks while APPENDs finish: the upload still finishes", async () => {
    const [file] = makeFiles([24 * segment])
    emulator.setThrottle({ bytesPerSecond: 250_000 })
    try {
      const since = emulator.requests().at(-1)?.seq ?? 0
      const fiber = client.runFork(Fleet.submit(file!, { user, chunkSize: segment, uploadId: `stall-${Date.now()}` }))
      // By path: the emulator knows a request's step only once its (throttled) body is read, and
      // looking for a step of APPEND not yet answered could miss all 24 (it did, twice in ~15 full
      // runs, while the upload succeeded). Alone the first APPEND starts within ~2.5 s.
      await waitFor(
        "APPENDs in flight",
        () => emulator.requests().some((r) => r.seq > since && r.path.endsWith("/append") && r.endedAt === undefined),
        30_000
      ).catch((error: unknown) => {
        // What to look at next time: whether the submission itself ended, what X saw, what the worker said.
        const exit = fiber.pollUnsafe()
        const seen = emulator.requests().filter((r) => r.seq > since).map((r) => `${r.step} ${r.status ?? "…"}`)
        throw new Error(
          `${String(error)}\nsubmission: ${exit === undefined ? "running" : String(exit)}\nrequests: ${
            seen.join(", ") || "none"
          }\nworker:\n${worker.output().slice(-4000)}`
        )
      })
      // Stalls a little longer than the worker's lock check allows (1 s), at varying points of the
      // upload: the worker's ownership checks time out, so the replies of the steps that just
      // finished are not stored ("fenced") and their requests are delivered again.
      for (let i = 0; i < 6; i++) {
        await stallShardLocks(1200)
        await new Promise((resolve) => setTimeout(resolve, 700 + 300 * i))
      }
      // With effect 4.1.0 the step delivered again answered "Suspended" and the upload waited for
      // ever; the time limit turns that into a failure.
      const media = await client.runPromise(Fiber.join(fiber).pipe(Effect.timeout("60 seconds")))
      expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(file!))
      expect(emulator.requests().filter((r) => r.seq > since && r.step === "INIT")).toHaveLength(1)
      expect(emulator.tooManyRequests()).toBe(0)
    } finally {
      emulator.setThrottle(undefined)
    }
  }, 150_000)
})
