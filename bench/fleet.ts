/**
 * `npx tsx bench/fleet.ts [--uploads 50] [--workers 1,2,4] [--kill-every-ms 6000] [--stall-ms 90000] [--logs DIR]`: the fleet
 * benchmark. For each worker count, a fresh database, Redis emptied, an emulator with 2 users and
 * scaled-down limits (APPEND 60, INIT/FINALIZE 30 per 3 s window), `--uploads` uploads of mixed
 * sizes submitted at once, and a random worker killed with SIGKILL (and a fresh one started) every
 * `--kill-every-ms`. Prints one JSON line per configuration and a Markdown table; FLEET.md holds the
 * numbers of the last run by hand. An upload that neither finishes nor fails while nothing moves for
 * `--stall-ms` (no request to X, no result) is counted as `stuck` and the run goes on. With `--logs DIR`, every worker's output goes to
 * `DIR/<workers>-worker-<pid>.log`, and for a lost upload its workflow's messages and replies to
 * `DIR/<database>-lost.txt`. Needs redis-server and PostgreSQL (see README.md); every child
 * process is killed on the way out, also on failure.
 *
 * @module
 */
import { Credentials, type Upload } from "@x-media/core"
import { Effect, Fiber, type Result } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import * as Fleet from "../packages/fleet/src/Fleet.ts"
import * as FleetStore from "../packages/fleet/src/FleetStore.ts"
import {
  clientRuntime,
  makeFiles,
  removeMadeFiles,
  startEmulator,
  startWorker,
  stopWorker,
  type WorkerProcess
} from "../packages/fleet/test/support/Harness.ts"
import {
  freshDatabase,
  pgBin,
  type ServersInfo,
  startServers,
  stopServers
} from "../packages/fleet/test/support/Servers.ts"

const { values } = parseArgs({
  options: {
    uploads: { type: "string", default: "50" },
    workers: { type: "string", default: "1,2,4" },
    "kill-every-ms": { type: "string", default: "6000" },
    "stall-ms": { type: "string", default: "90000" },
    logs: { type: "string" }
  }
})
const uploads = Number(values.uploads)
const workerCounts = values.workers.split(",").map(Number)
const killEvery = Number(values["kill-every-ms"])
const stallMillis = Number(values["stall-ms"])
const logs = values.logs
if (logs !== undefined) mkdirSync(logs, { recursive: true })
const windowMillis = 3000
const limits = { INIT: 30, APPEND: 60, FINALIZE: 30, STATUS: 60, windowMillis }
const segment = 64 * 1024

const live = new Map<WorkerProcess, number>()
let servers: ServersInfo | undefined
const cleanUp = () => {
  for (const [worker, workerCount] of live) {
    worker.child.kill("SIGKILL")
    saveLog(workerCount, worker)
  }
  live.clear()
  if (servers !== undefined) stopServers(servers)
  servers = undefined
}
process.on("exit", cleanUp)
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130))

/**
 * Redis's counters: `commands` counts every command, those that Lua scripts run inside Redis
 * included; `roundTrips` counts the scripts called (EVAL, EVALSHA, SCRIPT LOAD), which is what the
 * budget sends over the network (it sends nothing else).
 */
const redisCounters = (info: ServersInfo) => {
  const text = execFileSync("redis-cli", ["-p", String(info.redisPort), "info", "all"], { encoding: "utf8" })
  const calls = new Map([...text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]))
  return {
    commands: Number(/total_commands_processed:(\d+)/.exec(text)?.[1] ?? 0),
    roundTrips: ["eval", "evalsha", "eval_ro", "evalsha_ro", "script|load", "script"].reduce(
      (n, command) => n + (calls.get(command) ?? 0),
      0
    )
  }
}
const sqlTransactions = (databaseUrl: string) =>
  Number(
    execFileSync(`${pgBin}/psql`, [
      databaseUrl,
      "-At",
      "-c",
      "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
    ], { encoding: "utf8" }).trim()
  )
const saveLog = (workerCount: number, worker: WorkerProcess) => {
  if (logs !== undefined) writeFileSync(join(logs, `${workerCount}-worker-${worker.child.pid}.log`), worker.output())
}
/** The cluster's messages and replies of the lost uploads' workflows, for finding out why. */
const saveLost = (databaseUrl: string, uploadIds: ReadonlyArray<string>) => {
  if (logs === undefined || uploadIds.length === 0) return
  const uploadIdList = uploadIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(",")
  const ids =
    `SELECT entity_id FROM cluster_messages WHERE tag = 'run' AND substring(payload from '"uploadId":"([^"]+)"') IN (${uploadIdList})`
  const query = (sql: string) => execFileSync(`${pgBin}/psql`, [databaseUrl, "-c", sql], { encoding: "utf8" })
  writeFileSync(
    join(logs, `${databaseUrl.split("/").at(-1)}-lost.txt`),
    query(
      `SELECT m.id, m.entity_type, m.entity_id, m.tag, m.processed, m.message_id, left(m.payload, 300) AS payload, m.last_read, m.deliver_at FROM cluster_messages m WHERE m.entity_id IN (${ids}) ORDER BY m.id`
    ) +
      query(
        `SELECT r.id, r.request_id, m.tag, m.message_id, r.kind, r.acked, left(r.payload, 2000) AS payload FROM cluster_replies r JOIN cluster_messages m ON m.id = r.request_id WHERE m.entity_id IN (${ids}) ORDER BY r.id`
      ) +
      query(`SELECT * FROM x_media_fleet_uploads WHERE upload_id IN (${uploadIdList})`)
  )
}
const peakRssMiB = (pid: number | undefined) => {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0)
    return Math.round(kb / 1024)
  } catch {
    return 0
  }
}

const run = async (info: ServersInfo, workerCount: number) => {
  execFileSync("redis-cli", ["-p", String(info.redisPort), "flushall"])
  const fleetServers = { ...info, databaseUrl: freshDatabase(info, `bench${workerCount}`) }
  console.error(`database: ${fleetServers.databaseUrl}`)
  const emulator = await startEmulator({ users: 2, rateLimits: limits })
  const users = await Promise.all(
    emulator.users.map((u) => Effect.runPromise(Credentials.userOf(Credentials.oauth1(u.credentials))))
  )
  const workers: Array<WorkerProcess> = []
  const start = async () => {
    const worker = await startWorker(fleetServers, emulator, { windowMillis })
    live.set(worker, workerCount)
    workers.push(worker)
    return worker
  }
  for (let i = 0; i < workerCount; i++) await start()
  const client = clientRuntime(fleetServers)
  const memory: Array<number> = []
  const takeovers: Array<number> = []
  try {
    // Mixed sizes: 1 to 12 segments of 64 KiB.
    const files = makeFiles(Array.from({ length: uploads }, (_, i) => segment * (1 + (i * 7) % 12) - 100 + i))
    const sqlBefore = sqlTransactions(fleetServers.databaseUrl)
    const redisBefore = redisCounters(info)
    const began = Date.now()
    const outcomes: Array<
      Result.Result<Upload.UploadedMedia, { readonly _tag: string; readonly message: string }> | undefined
    > = files.map(() => undefined)
    const fiber = client.runFork(
      Effect.forEach(
        files,
        (file, i) =>
          Fleet.submit(file, { user: users[i % 2]!, chunkSize: segment, uploadId: `bench-${workerCount}-${i}` }).pipe(
            Effect.result,
            Effect.tap((result) => Effect.sync(() => (outcomes[i] = result)))
          ),
        { concurrency: "unbounded", discard: true }
      )
    )
    let done = false
    void client.runPromise(Fiber.join(fiber)).finally(() => (done = true))
    let nextKill = Date.now() + killEvery
    // An upload that the fleet never finishes (nor fails) is "stuck": after `--stall-ms` without a
    // request to X and without a result, the run stops waiting for it.
    let lastProgress = Date.now()
    let progressMark = ""
    // oxlint-disable-next-line no-unmodified-loop-condition -- `done` is set when the uploads' promise settles
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const mark = `${emulator.requests().length}/${outcomes.filter((o) => o !== undefined).length}`
      if (mark !== progressMark) {
        progressMark = mark
        lastProgress = Date.now()
      } else if (Date.now() - lastProgress > stallMillis) {
        await client.runPromise(Fiber.interrupt(fiber))
        break
      }
      if (Date.now() < nextKill || done) continue
      const victim = workers[Math.floor(Math.random() * workers.length)]!
      const rows = await client.runPromise(FleetStore.FleetStore.use((store) => store.list))
      const orphaned = new Set(
        rows.filter((r) => r.worker?.includes(`:${victim.child.pid}@`) && !["succeeded", "failed"].includes(r.state))
          .map((r) => r.mediaId)
      )
      memory.push(peakRssMiB(victim.child.pid))
      const killedAt = Date.now()
      await stopWorker(victim, "SIGKILL")
      saveLog(workerCount, victim)
      live.delete(victim)
      workers.splice(workers.indexOf(victim), 1)
      await start()
      if (orphaned.size > 0) {
        // Takeover: the first request for an orphaned upload after the kill.
        void (async () => {
          for (let i = 0; i < 600; i++) {
            const next = emulator.requests().find((r) =>
              r.startedAt >= killedAt && r.mediaId !== undefined && orphaned.has(r.mediaId)
            )
            if (next !== undefined) return takeovers.push(next.startedAt - killedAt)
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
        })()
      }
      nextKill = Date.now() + killEvery
    }
    const elapsed = Date.now() - began - (done ? 0 : stallMillis)
    const results = outcomes.flatMap((o) => (o === undefined ? [] : [o]))
    const stuck = outcomes.flatMap((o, i) => (o === undefined ? [`bench-${workerCount}-${i}`] : []))
    for (const worker of workers) memory.push(peakRssMiB(worker.child.pid))
    const appends = emulator.requests().filter((r) => r.step === "APPEND")
    const perSegment = new Map<string, number>()
    for (const r of appends) {
      perSegment.set(`${r.mediaId}/${r.segmentIndex}`, (perSegment.get(`${r.mediaId}/${r.segmentIndex}`) ?? 0) + 1)
    }
    const segments = perSegment.size
    // Budget use: the most APPENDs of one user that started within any window, as a share of the limit.
    let busiest = 0
    for (const user of users) {
      const starts = appends.filter((r) => r.userId === user).map((r) => r.startedAt).sort((a, b) => a - b)
      for (let i = 0, j = 0; i < starts.length; i++) {
        while (j < starts.length && starts[j]! < starts[i]! + windowMillis) j++
        busiest = Math.max(busiest, j - i)
      }
    }
    saveLost(
      fleetServers.databaseUrl,
      [...outcomes.flatMap((r, i) => (r?._tag === "Failure" ? [`bench-${workerCount}-${i}`] : [])), ...stuck]
    )
    return {
      workers: workerCount,
      uploads,
      tooManyRequests: emulator.tooManyRequests(),
      lost: results.filter((r) => r._tag === "Failure").length,
      lostBecause: results.flatMap((r) => (r._tag === "Failure" ? [`${r.failure._tag}: ${r.failure.message}`] : [])),
      stuck: stuck.length,
      duplicateAppends: [...perSegment.values()].reduce((n, count) => n + count - 1, 0),
      segments,
      budgetUsePerWindow: Number((busiest / limits.APPEND).toFixed(2)),
      uploadsPerMinute: Math.round((uploads / elapsed) * 60_000),
      seconds: Number((elapsed / 1000).toFixed(1)),
      kills: memory.length - workers.length,
      takeoverMillis: takeovers.sort((a, b) => a - b),
      peakRssMiBPerWorker: Math.max(...memory),
      sqlTransactionsPerSegment: Number(
        ((sqlTransactions(fleetServers.databaseUrl) - sqlBefore) / segments).toFixed(1)
      ),
      ...(() => {
        const redisAfter = redisCounters(info)
        return {
          redisCommandsPerSegment: Number(((redisAfter.commands - redisBefore.commands) / segments).toFixed(1)),
          redisRoundTripsPerSegment: Number(((redisAfter.roundTrips - redisBefore.roundTrips) / segments).toFixed(1))
        }
      })()
    }
  } finally {
    for (const worker of workers) {
      await stopWorker(worker, "SIGKILL")
      saveLog(workerCount, worker)
      live.delete(worker)
    }
    await client.dispose()
    await emulator.close()
    removeMadeFiles()
  }
}

const main = async () => {
  servers = await startServers()
  const rows = []
  for (const count of workerCounts) {
    const row = await run(servers, count)
    console.log(JSON.stringify(row))
    rows.push(row)
  }
  console.log(
    "\n| workers | uploads | 429s | lost | stuck | duplicate APPENDs / segments | budget use per window | uploads/min | kills | takeover ms | peak RSS MiB/worker | SQL xacts/segment | Redis cmds/segment | Redis round trips/segment |"
  )
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
  for (const r of rows) {
    console.log(
      `| ${r.workers} | ${r.uploads} | ${r.tooManyRequests} | ${r.lost} | ${r.stuck} | ${r.duplicateAppends} / ${r.segments} | ${r.budgetUsePerWindow} | ${r.uploadsPerMinute} | ${r.kills} | ${
        r.takeoverMillis.join(", ")
      } | ${r.peakRssMiBPerWorker} | ${r.sqlTransactionsPerSegment} | ${r.redisCommandsPerSegment} | ${r.redisRoundTripsPerSegment} |`
    )
  }
}

main().then(
  () => {
    cleanUp()
    process.exit(0)
  },
  (error) => {
    console.error(error)
    cleanUp()
    process.exit(1)
  }
)
