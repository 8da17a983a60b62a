import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Credentials } from "@x-media/core"
import type { RecordedRequest } from "@x-media/emulator"
import { Effect, Fiber } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { inject } from "vitest"
import * as Fleet from "../src/Fleet.ts"
import * as FleetStore from "../src/FleetStore.ts"
import { workflowFor } from "../src/UploadWorkflow.ts"
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
import { freshDatabase, startPostgres, startRedis, stopPostgres, stopRedis } from "./support/Servers.ts"

const shared = inject("servers")
/** A database of this file's own: its fleet is only the workers it starts. */
const servers = { ...shared, databaseUrl: freshDatabase(shared, "fleet") }
const windowMillis = 3000
const segment = 64 * 1024
const limits = { INIT: 8, APPEND: 14, FINALIZE: 8, STATUS: 20, windowMillis }

let emulator: RunningEmulator
let workers: Array<WorkerProcess> = []
let client: ReturnType<typeof clientRuntime>
let users: ReadonlyArray<string>
let onlyFirstUser: WorkerProcess

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")
const submit = (file: string, user: string, options: Partial<Fleet.SubmitOptions> = {}) =>
  Fleet.submit(file, { user, chunkSize: segment, ...options })
const appendsOf = (mediaId: string): ReadonlyArray<RecordedRequest> =>
  emulator.requests().filter((r) => r.step === "APPEND" && r.mediaId === mediaId)
const inits = () => emulator.requests().filter((r) => r.step === "INIT")
/** The media id of the first APPEND after request `seq` (the upload a test started). */
const mediaAfter = (seq: number): string =>
  emulator.requests().find((r) => r.seq > seq && r.step === "APPEND")?.mediaId ?? ""
const lastSeq = () => emulator.requests().at(-1)?.seq ?? 0
const waitFor = async (what: string, condition: () => boolean, timeoutMillis = 30_000) => {
  const until = Date.now() + timeoutMillis
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
/** The worker process that last moved the upload on, from the uploads table. */
const workerOf = async (uploadId: string): Promise<WorkerProcess | undefined> => {
  const rows = await client.runPromise(FleetStore.FleetStore.use((store) => store.list))
  const row = rows.find((r) => r.uploadId === uploadId)
  const pid = row?.worker === null || row === undefined ? undefined : Number(/:(\d+)@/.exec(row.worker)?.[1])
  return workers.find((w) => w.child.pid === pid)
}

beforeAll(async () => {
  emulator = await startEmulator({ users: 2, rateLimits: limits })
  users = await Promise.all(
    emulator.users.map((user) => Effect.runPromise(Credentials.userOf(Credentials.oauth1(user.credentials))))
  )
  // The third worker has only the first user's credentials.
  workers = await Promise.all([
    startWorker(servers, emulator, { windowMillis }),
    startWorker(servers, emulator, { windowMillis }),
    startWorker(servers, emulator, { windowMillis, users: [0] })
  ])
  onlyFirstUser = workers[2]!
  client = clientRuntime(servers)
}, 90_000)

afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w, "SIGKILL")))
  await client?.dispose()
  await emulator?.close()
  removeMadeFiles()
}, 30_000)

describe("fleet (3 worker processes, real PostgreSQL and Redis, emulator with small limits)", () => {
  it(
    "12 concurrent uploads of 2 users finish with the right bytes, never draw a 429, and run only where the user's credentials are",
    async () => {
      const files = makeFiles(Array.from({ length: 12 }, (_, i) => 3 * segment + 1000 + i * 997))
      const results = await client.runPromise(
        Effect.forEach(files, (file, i) => submit(file, users[i % 2]!), { concurrency: "unbounded" })
      )
      expect(emulator.tooManyRequests()).toBe(0)
      expect(results).toHaveLength(12)
      results.forEach((media, i) => {
        expect(media.state).toBe("succeeded")
        expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(files[i]!))
      })
      // The work was shared: more than one worker moved uploads on…
      const rows = await client.runPromise(FleetStore.FleetStore.use((store) => store.list))
      expect(new Set(rows.map((r) => r.worker)).size).toBeGreaterThan(1)
      // …and the second user's uploads ran only on workers with its credentials.
      const ranOn = (user: string) => rows.filter((r) => r.user === user).map((r) => r.worker ?? "")
      expect(ranOn(users[1]!).some((worker) => worker.includes(`:${onlyFirstUser.child.pid}@`))).toBe(false)
      expect(ranOn(users[1]!)).toHaveLength(6)
    },
    90_000
  )

  it(
    "an image within the chunk size goes in X's one request; oneShot false keeps INIT, APPEND and FINALIZE",
    async () => {
      const [file] = makeFiles([segment - 100])
      const requestsOf = (mediaId: string) =>
        emulator.requests().filter((r) => r.mediaId === mediaId).map((r) => [r.step, r.status])
      const inits = emulator.requests().filter((r) => r.step === "INIT").length
      const one = await client.runPromise(submit(file!, users[0]!, { uploadId: `one-${Date.now()}` }))
      expect(one).toMatchObject({ mediaType: "image/png", category: "tweet_image", state: "succeeded" })
      expect(emulator.media(one.mediaId)?.sha256).toBe(sha256(file!))
      expect(requestsOf(one.mediaId)).toEqual([["UPLOAD", 200]])
      expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(inits)
      const chunked = await client.runPromise(
        submit(file!, users[0]!, { uploadId: `chunked-${Date.now()}`, oneShot: false })
      )
      expect(emulator.media(chunked.mediaId)?.sha256).toBe(sha256(file!))
      expect(requestsOf(chunked.mediaId).map(([step]) => step)).toEqual(["APPEND", "FINALIZE"])
    },
    60_000
  )

  it("an image up to 5 MiB goes in one request without a chunk size; a payload of before stays in chunks", async () => {
    const [file] = makeFiles([4 * 1024 * 1024 + 1000])
    const stepsOf = (mediaId: string) => emulator.requests().filter((r) => r.mediaId === mediaId).map((r) => r.step)
    const uploadId = `photo-${Date.now()}`
    const one = await client.runPromise(submit(file!, users[0]!, { uploadId, chunkSize: undefined }))
    expect(emulator.media(one.mediaId)?.sha256).toBe(sha256(file!))
    expect(stepsOf(one.mediaId)).toEqual(["UPLOAD"])
    // The uploads table counts the two planned segments as done: the one request sent them all.
    const rows = await client.runPromise(FleetStore.FleetStore.use((store) => store.list))
    expect(rows.find((r) => r.uploadId === uploadId)).toMatchObject({ segmentsDone: 2, segmentCount: 2 })
    // A payload submitted before `oneShotMaxBytes` existed: its one request is bounded by its chunk size,
    // so a workflow replayed by this version decides as its first run did.
    const before = await client.runPromise(Effect.gen(function*() {
      const { payload } = yield* Fleet.prepare(file!, { user: users[0]!, uploadId: `photo-before-${Date.now()}` })
      const { oneShotMaxBytes: _, ...older } = payload
      return yield* workflowFor(payload.user).execute(older)
    }))
    expect(emulator.media(before.mediaId)?.sha256).toBe(sha256(file!))
    expect(stepsOf(before.mediaId)).toEqual(["APPEND", "APPEND", "FINALIZE"])
  }, 60_000)

  it("submitting the same upload twice joins it: one INIT, one media id", async () => {
    const [file] = makeFiles([2 * segment + 10])
    const before = inits().length
    const [a, b] = await client.runPromise(
      Effect.all([submit(file!, users[0]!), submit(file!, users[0]!)], { concurrency: "unbounded" })
    )
    expect(a!.mediaId).toBe(b!.mediaId)
    expect(inits().length - before).toBe(1)
  }, 60_000)

  it(
    "submitted again after it failed, an upload starts over as its next attempt; after it succeeded, it joins",
    async () => {
      const [file] = makeFiles([2 * segment + 20])
      const uploadId = `retry-${Date.now()}`
      emulator.setFaults([{ step: "FINALIZE", times: 1, fault: { _tag: "HttpError", status: 400 } }])
      const failed = await client.runPromise(Effect.flip(submit(file!, users[0]!, { uploadId })))
      emulator.setFaults([])
      expect(failed).toMatchObject({ _tag: "XApiError", step: "FINALIZE", status: 400 })
      const rowOf = async () =>
        (await client.runPromise(FleetStore.FleetStore.use((store) => store.list))).find((r) => r.uploadId === uploadId)
      expect(await rowOf()).toMatchObject({ attempt: 1, state: "failed", error: "XApiError" })

      const before = inits().length
      const media = await client.runPromise(submit(file!, users[0]!, { uploadId }))
      expect(media.state).toBe("succeeded")
      expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(file!))
      expect(inits().length - before).toBe(1)
      expect(await rowOf()).toMatchObject({ attempt: 2, state: "succeeded", mediaId: media.mediaId, error: null })

      const again = await client.runPromise(submit(file!, users[0]!, { uploadId }))
      expect(again.mediaId).toBe(media.mediaId)
      expect(inits().length - before).toBe(1)
      expect(await rowOf()).toMatchObject({ attempt: 2 })
    },
    60_000
  )

  it(
    "kill -9 of the worker in the middle of an APPEND: another finishes it, same media id, no acknowledged segment resent",
    async () => {
      const [file] = makeFiles([10 * segment])
      emulator.setThrottle({ bytesPerSecond: 300_000 })
      try {
        const uploadId = `kill-${Date.now()}`
        const since = lastSeq()
        const fiber = client.runFork(submit(file!, users[1]!, { uploadId, concurrency: 2 }))
        let mediaId = ""
        await waitFor("three acknowledged segments", () => {
          mediaId = mediaAfter(since)
          return appendsOf(mediaId).filter((r) => r.status === 204 || r.status === 200).length >= 3
        })
        const victim = await workerOf(uploadId)
        expect(victim).toBeDefined()
        const killedAt = Date.now()
        await stopWorker(victim!, "SIGKILL")
        workers = workers.filter((w) => w !== victim)
        const acknowledged = new Set(
          appendsOf(mediaId).filter((r) => r.endedAt !== undefined && r.status !== undefined && r.status < 300).map((
            r
          ) => r.segmentIndex)
        )
        const media = await client.runPromise(Fiber.join(fiber))
        const tookOver = Date.now() - killedAt
        expect(media.mediaId).toBe(mediaId)
        expect(emulator.media(mediaId)?.sha256).toBe(sha256(file!))
        const sent = new Map<number, number>()
        for (const r of appendsOf(mediaId)) sent.set(r.segmentIndex!, (sent.get(r.segmentIndex!) ?? 0) + 1)
        const resent = [...sent].filter(([, n]) => n > 1).map(([index]) => index)
        // Only what was in flight (at most the upload's 2 APPENDs at once) went again.
        expect(resent.length).toBeLessThanOrEqual(2)
        // …and what X had acknowledged before the kill, apart from those two, went once.
        expect([...acknowledged].filter((i) => resent.includes(i!)).length).toBeLessThanOrEqual(2)
        expect(inits().filter((r) => r.seq > since)).toHaveLength(1)
        expect(tookOver).toBeLessThan(30_000)
      } finally {
        emulator.setThrottle(undefined)
      }
      workers.push(await startWorker(servers, emulator, { windowMillis }))
    },
    90_000
  )

  it("PostgreSQL restarted in the middle of an upload: the upload finishes", async () => {
    const [file] = makeFiles([8 * segment])
    emulator.setThrottle({ bytesPerSecond: 300_000 })
    try {
      const since = lastSeq()
      const fiber = client.runFork(submit(file!, users[0]!, { uploadId: `pg-${Date.now()}`, concurrency: 1 }))
      await waitFor("two segments", () => appendsOf(mediaAfter(since)).length >= 2)
      stopPostgres(servers)
      await new Promise((resolve) => setTimeout(resolve, 1000))
      startPostgres(servers)
      const media = await client.runPromise(Fiber.join(fiber))
      expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(file!))
      expect(emulator.tooManyRequests()).toBe(0)
    } finally {
      emulator.setThrottle(undefined)
    }
  }, 90_000)

  it(
    "Redis restarted in the middle of an upload: requests wait for it, the upload finishes without a 429",
    async () => {
      const [file] = makeFiles([8 * segment])
      emulator.setThrottle({ bytesPerSecond: 300_000 })
      try {
        const since = lastSeq()
        const fiber = client.runFork(submit(file!, users[1]!, { uploadId: `redis-${Date.now()}`, concurrency: 1 }))
        await waitFor("two segments", () => appendsOf(mediaAfter(since)).length >= 2)
        stopRedis(servers)
        await new Promise((resolve) => setTimeout(resolve, 1000))
        startRedis(servers)
        const media = await client.runPromise(Fiber.join(fiber))
        expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(file!))
        expect(emulator.tooManyRequests()).toBe(0)
      } finally {
        emulator.setThrottle(undefined)
      }
    },
    90_000
  )
})
