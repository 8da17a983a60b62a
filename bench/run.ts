/**
 * `npm run bench [-- options]`: uploads generated files to the local emulator with the raw node:http
 * baseline, x-media (the library, and the bundled CLI as a user runs it) and twitter-api-v2, each upload in
 * its own process, configurations in round robin; prints medians with their spread and the ratio to raw,
 * and writes every run to bench/.data/results-<time>.json (untracked). RESULTS.md is written by hand.
 *
 * Options: `--sections compare,cli,grid,latency,status,library` (default all); `--sizes 8,64,256`
 * (default; `--large` adds 512); `--runs N` (default 3); `--latency-ms N` (default 50).
 *
 * @module
 */
import { SegmentPlan, Upload } from "@x-media/core"
import { defaultRateLimits, Fault, type RunningEmulator, startEmulator } from "@x-media/emulator"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { buildAll, type Built } from "./build.ts"
import * as Files from "./files.ts"
import { type BenchFile, type headers, MiB } from "./files.ts"
import {
  type ChildReport,
  goMessage,
  type Job,
  type JobCredentials,
  readyMessage,
  type Rusage,
  type Uploader
} from "./job.ts"

const benchDir = Path.dirname(fileURLToPath(import.meta.url))
const dataDir = Path.join(benchDir, ".data")
const log = (line: string) => process.stdout.write(`${line}\n`)
const sections = ["compare", "cli", "grid", "latency", "status", "library"] as const
type Section = (typeof sections)[number]

const { values: args } = parseArgs({
  options: {
    sections: { type: "string", default: sections.join(",") },
    sizes: { type: "string", default: "8,64,256" },
    large: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    "latency-ms": { type: "string", default: "50" }
  }
})
const chosen = new Set(args.sections.split(","))
for (const s of chosen) {
  if (!sections.some((k) => k === s)) throw new Error(`unknown section ${s}; known: ${sections.join(", ")}`)
}
const sizes = [...args.sizes.split(",").map(Number), ...(args.large ? [512] : [])]
const runs = Number(args.runs)
const latencyMs = Number(args["latency-ms"])
const defaults = { chunkSize: SegmentPlan.defaultChunkSize, concurrency: Upload.defaultConcurrency }

// ---------------------------------------------------------------------------------------------- files

const ensureFile = (name: string, bytes: number, kind: keyof typeof headers): Promise<BenchFile> =>
  Files.ensureFile(dataDir, name, bytes, kind)

// ---------------------------------------------------------------------------------------------- runs

/** One configuration: an uploader, a file, settings, and which emulator. */
interface Spec {
  readonly section: Section
  readonly id: string
  readonly uploader: Uploader
  readonly file: BenchFile
  readonly server: "plain" | "latency" | "processing"
  readonly dialect: "v1" | "v2"
  readonly auth: "oauth1" | "oauth2"
  readonly chunkSize: number
  readonly concurrency: number
  /** Library uploaders: a warm-up upload first, the measured one second (the CLI and `cli` runs are cold). */
  readonly warm: boolean
  readonly repeat?: number
}

/** What one run measured. */
interface Run {
  readonly mibPerSec: number
  readonly uploadMs: number
  readonly processMs: number
  readonly maxRssMB: number
  readonly cpuMs: number
  /** Warm library runs: CPU of the measured upload alone; otherwise the whole process's. */
  readonly uploadCpuMs: number
  /**
   * Cold runs: from the process's spawn to the first request the emulator saw, in ms (start-up: Node,
   * modules, the command line, the file and the settings); the rest of `processMs` is the protocol.
   */
  readonly firstRequestMs: number | undefined
  readonly requests: string
  readonly statusCalls: number
  readonly prematureStatus: number
  readonly rssAfterMB: ReadonlyArray<number>
}

const servers: Record<Spec["server"], RunningEmulator> = {} as Record<Spec["server"], RunningEmulator>
let built: Built
let warmupFile: BenchFile

/** A measured process that exited 0: its output, its wall time, and when it was spawned (wall clock, ms). */
interface Spawned {
  readonly stdout: string
  readonly processMs: number
  readonly spawnedAt: number
}

const spawnMeasured = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv, rusageOut: string) =>
  new Promise<Spawned>((resolve, reject) => {
    const started = performance.now()
    // The emulator stamps requests with the wall clock: the time to the first one is measured on it.
    const spawnedAt = Date.now()
    const child = spawn(process.execPath, ["--expose-gc", "--import", built.rusage, ...argv], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { PATH: process.env["PATH"], ...env, BENCH_RUSAGE_OUT: rusageOut }
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-3000)))
    child.on("message", (message) => {
      if (message !== readyMessage) return
      for (const server of Object.values(servers)) server.reset()
      child.send(goMessage)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      const processMs = performance.now() - started
      if (code === 0) resolve({ stdout, processMs, spawnedAt })
      else reject(new Error(`exit ${code ?? signal}: ${stderr.trim() || stdout.trim()}`))
    })
  })

const runOnce = async (spec: Spec): Promise<Run> => {
  const server = servers[spec.server]
  for (const s of Object.values(servers)) s.reset()
  const c = server.credentials
  const credentials: JobCredentials = {
    consumerKey: c.consumerKey,
    consumerSecret: c.consumerSecret,
    accessToken: c.accessToken,
    accessTokenSecret: c.accessTokenSecret,
    oauth2Token: c.oauth2Token
  }
  const rusageOut = Path.join(dataDir, "rusage.json")
  await rm(rusageOut, { force: true })
  let mediaId: string
  let uploadMs: number
  let processMs: number
  let rssAfter: ReadonlyArray<number> = []
  let uploadCpuMs: number | undefined
  let spawnedAt: number
  if (spec.uploader === "cli" || spec.uploader === "cli-floor") {
    const env: NodeJS.ProcessEnv = spec.auth === "oauth2"
      ? { X_OAUTH2_ACCESS_TOKEN: credentials.oauth2Token }
      : {
        X_API_KEY: credentials.consumerKey,
        X_API_SECRET: credentials.consumerSecret,
        X_ACCESS_TOKEN: credentials.accessToken,
        X_ACCESS_TOKEN_SECRET: credentials.accessTokenSecret
      }
    const flags = [
      ...(spec.chunkSize === defaults.chunkSize ? [] : ["--chunk-size", String(spec.chunkSize)]),
      ...(spec.concurrency === defaults.concurrency ? [] : ["--concurrency", String(spec.concurrency)])
    ]
    const result = await spawnMeasured(
      [spec.uploader === "cli" ? built.cli : built.cliFloor, "upload", spec.file.path, "--json", ...flags],
      { ...env, X_MEDIA_API: spec.dialect, X_MEDIA_BASE_URL: server.url },
      rusageOut
    )
    mediaId = JSON.parse(result.stdout).media_id
    uploadMs = processMs = result.processMs
    spawnedAt = result.spawnedAt
  } else {
    const job: Job = {
      uploader: spec.uploader,
      dialect: spec.dialect,
      auth: spec.auth,
      baseUrl: server.url,
      path: spec.file.path,
      bytes: spec.file.bytes,
      mediaType: spec.file.mediaType,
      category: spec.file.category,
      chunkSize: spec.chunkSize,
      concurrency: spec.concurrency,
      credentials,
      warmup: spec.warm ? { baseUrl: servers.plain.url, path: warmupFile.path, bytes: warmupFile.bytes } : undefined,
      repeat: spec.repeat
    }
    const entry = spec.uploader === "effect-floor" ? built.floor : built.child
    const result = await spawnMeasured([entry, JSON.stringify(job)], {}, rusageOut)
    const report: ChildReport = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "")
    mediaId = report.mediaId
    uploadMs = spec.warm ? report.uploadMs : result.processMs
    processMs = result.processMs
    spawnedAt = result.spawnedAt
    rssAfter = report.rssAfter
    if (spec.warm) uploadCpuMs = report.uploadCpuMs
  }
  const rusage: Rusage = JSON.parse(await readFile(rusageOut, "utf8"))
  const media = server.media(mediaId)
  if (media?.state !== "succeeded" || media.sha256 !== spec.file.sha256) {
    throw new Error(
      `the emulator holds ${media === undefined ? "no such media" : `${media.state}, sha256 ${media.sha256}`}`
    )
  }
  const requests = server.requests()
  const count = (step: string) => requests.filter((r) => r.step === step).length
  const firstAt = Math.min(...requests.map((r) => r.startedAt))
  return {
    mibPerSec: spec.file.bytes / MiB / (uploadMs / 1000),
    uploadMs,
    processMs,
    maxRssMB: rusage.maxRssBytes / 1e6,
    cpuMs: rusage.cpuMs,
    uploadCpuMs: uploadCpuMs ?? rusage.cpuMs,
    firstRequestMs: spec.warm || !Number.isFinite(firstAt) ? undefined : firstAt - spawnedAt,
    requests: ["INIT", "APPEND", "FINALIZE", "STATUS", "UPLOAD"].map(count).join("/"),
    statusCalls: count("STATUS"),
    prematureStatus: media.prematureStatusChecks,
    rssAfterMB: rssAfter.map((b) => b / 1e6)
  }
}

// ---------------------------------------------------------------------------------------------- plan

const plan = (files: ReadonlyMap<string, BenchFile>): ReadonlyArray<Spec> => {
  const specs: Array<Spec> = []
  const add = (spec: Omit<Spec, "id" | "dialect" | "auth" | "warm" | "server"> & Partial<Spec>) => {
    const full: Spec = {
      dialect: "v2",
      auth: "oauth1",
      server: "plain",
      warm: spec.uploader !== "cli" && spec.uploader !== "cli-floor",
      ...spec,
      id: ""
    }
    const id = `${full.section} ${full.file.label} ${full.uploader} ${full.dialect}/${full.auth} ${
      full.chunkSize / MiB
    } MiB × c${full.concurrency}${full.warm ? "" : " cold"}`
    specs.push({ ...full, id })
  }
  const video = (size: number) => files.get(`${size}MiB.mp4`)!
  if (chosen.has("compare")) {
    for (const size of sizes) {
      for (const uploader of ["raw", "xmedia", "tapi-v1"] as const) {
        add({ section: "compare", uploader, file: video(size), ...defaults })
      }
      add({ section: "compare", uploader: "tapi-v2", file: video(size), chunkSize: defaults.chunkSize, concurrency: 1 })
    }
  }
  if (chosen.has("cli")) {
    for (const size of sizes) {
      for (const [dialect, auth] of [["v2", "oauth1"], ["v2", "oauth2"], ["v1", "oauth1"]] as const) {
        for (const uploader of ["raw", "effect-floor", "cli-floor", "cli"] as const) {
          add({ section: "cli", uploader, file: video(size), dialect, auth, warm: false, ...defaults })
        }
      }
    }
  }
  if (chosen.has("grid")) {
    for (const chunk of [1, 2, 4, 5]) {
      for (const concurrency of [1, 2, 4, 8]) {
        for (const uploader of ["raw", "xmedia"] as const) {
          add({ section: "grid", uploader, file: video(64), chunkSize: chunk * MiB, concurrency })
        }
      }
    }
  }
  if (chosen.has("latency")) {
    // An image in one 4 MiB segment, and one over it (a phone photo): both go in one request.
    for (const image of ["image.png", "photo.png"]) {
      for (const uploader of ["raw", "xmedia", "cli"] as const) {
        add({ section: "latency", server: "latency", uploader, file: files.get(image)!, ...defaults })
      }
    }
    for (const chunk of [1, 2, 4]) {
      for (const concurrency of [2, 4, 8]) {
        for (const uploader of ["raw", "xmedia"] as const) {
          add({ section: "latency", server: "latency", uploader, file: video(64), chunkSize: chunk * MiB, concurrency })
        }
      }
    }
  }
  if (chosen.has("status")) {
    for (const uploader of ["raw", "xmedia", "cli", "tapi-v1", "tapi-v2"] as const) {
      add({ section: "status", server: "processing", uploader, file: video(8), ...defaults })
    }
  }
  if (chosen.has("library")) add({ section: "library", uploader: "xmedia", file: video(8), ...defaults, repeat: 100 })
  return specs
}

// ---------------------------------------------------------------------------------------------- report

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const spread = (xs: ReadonlyArray<number>, digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`

/** The time to the first request of cold runs (`-` for warm ones, whose first request is the warm-up's). */
const firstRequest = (rs: ReadonlyArray<Run>): string => {
  const ms = rs.flatMap((r) => (r.firstRequestMs === undefined ? [] : [r.firstRequestMs]))
  return ms.length === 0 ? "-" : spread(ms)
}

const report = (specs: ReadonlyArray<Spec>, results: ReadonlyMap<string, ReadonlyArray<Run>>) => {
  const rawOf = (spec: Spec) =>
    specs.find((s) =>
      s.uploader === "raw" && s.section === spec.section && s.file === spec.file && s.dialect === spec.dialect &&
      s.auth === spec.auth && s.chunkSize === spec.chunkSize && s.concurrency === spec.concurrency
    )
  // Requests per step: INIT / APPEND / FINALIZE / STATUS / UPLOAD (the one-request upload of an image).
  log(
    "\n| configuration | MiB/s median (min–max) | × raw | process s | 1st request ms | peak RSS MB | CPU ms/MiB | I/A/F/S/U |"
  )
  log("|---|---|---|---|---|---|---|---|")
  // CPU ms/MiB: of the measured upload for warm library runs, of the whole process for cold ones.
  for (const spec of specs) {
    const rs = results.get(spec.id) ?? []
    if (rs.length === 0) continue
    const raw = rawOf(spec)
    const rawRuns = raw === undefined ? [] : results.get(raw.id) ?? []
    const ratio = rawRuns.length === 0
      ? ""
      : (median(rs.map((r) => r.mibPerSec)) / median(rawRuns.map((r) => r.mibPerSec))).toFixed(2)
    const mib = spec.file.bytes / MiB
    const extra = spec.section === "status"
      ? ` STATUS ${rs[0]!.statusCalls} (${rs[0]!.prematureStatus} premature)`
      : spec.section === "library"
      ? ` RSS after upload 1: ${rs[0]!.rssAfterMB[0]?.toFixed(1)} MB, after ${rs[0]!.rssAfterMB.length}: ${
        rs[0]!.rssAfterMB.at(-1)?.toFixed(1)
      } MB`
      : ""
    log(
      `| ${spec.id} | ${spread(rs.map((r) => r.mibPerSec))} | ${ratio} | ${
        spread(rs.map((r) => r.processMs / 1000), 2)
      } | ${firstRequest(rs)} | ` +
        `${spread(rs.map((r) => r.maxRssMB))} | ${(median(rs.map((r) => r.uploadCpuMs)) / mib).toFixed(2)} | ${
          rs[0]!.requests
        }${extra} |`
    )
  }
}

// ---------------------------------------------------------------------------------------------- main

const main = async () => {
  await mkdir(dataDir, { recursive: true })
  built = await buildAll(Path.join(dataDir, "build"))
  const files = new Map<string, BenchFile>()
  for (const size of new Set([...sizes, 8, 64])) {
    files.set(`${size}MiB.mp4`, await ensureFile(`${size}MiB.mp4`, size * MiB, "mp4"))
  }
  files.set("image.png", await ensureFile("image.png", 3 * MiB, "png"))
  files.set("photo.png", await ensureFile("photo.png", 4.5 * MiB, "png"))
  warmupFile = await ensureFile("warmup.mp4", 256 * 1024, "mp4")
  // X's numbers per 15 minutes raised far past what a run sends: a run sends more APPENDs than X allows
  // (1,875 per user), and the emulator's headers, which it sends even when it does not enforce them,
  // would then hold the uploaders that honour them (the library, the CLI) until the window resets, and
  // not raw, which ignores them.
  const unlimited = Object.fromEntries(Object.keys(defaultRateLimits).map((step) => [step, 1_000_000_000]))
  const common = {
    auth: false,
    rateLimits: unlimited,
    ...(existsSync("/dev/shm") ? { spillDir: "/dev/shm" } : {})
  }
  servers.plain = await startEmulator({ ...common, processing: { enabled: false } })
  servers.processing = await startEmulator({
    ...common,
    processing: { enabled: true, checkAfterSecs: 1, inProgressSteps: 3 }
  })
  servers.latency = await startEmulator({
    ...common,
    processing: { enabled: false },
    faults: (["INIT", "APPEND", "FINALIZE", "STATUS", "UPLOAD"] as const).map((step) => ({
      step,
      times: Infinity,
      fault: Fault.delay(latencyMs)
    }))
  })
  const specs = plan(files)
  const results = new Map<string, Array<Run>>(specs.map((s) => [s.id, []]))
  log(
    `${specs.length} configurations × ${runs} runs, Node ${process.version}; defaults ${
      defaults.chunkSize / MiB
    } MiB × c${defaults.concurrency}`
  )
  try {
    for (let round = 1; round <= runs; round++) {
      for (const spec of specs) {
        if ((spec.section === "library" || spec.section === "status") && round > 1) continue
        try {
          const run = await runOnce(spec)
          results.get(spec.id)!.push(run)
          log(
            `[${round}/${runs}] ${spec.id}: ${run.mibPerSec.toFixed(0)} MiB/s, RSS ${run.maxRssMB.toFixed(0)} MB, CPU ${
              run.cpuMs.toFixed(0)
            } ms, ${run.requests}`
          )
        } catch (error) {
          log(`[${round}/${runs}] ${spec.id}: FAILED ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    }
    report(specs, results)
    const out = Path.join(dataDir, `results-${new Date().toISOString().replace(/[:.]/g, "-")}.json`)
    await writeFile(
      out,
      JSON.stringify(
        {
          node: process.version,
          defaults,
          specs: specs.map((s) => ({ ...s, file: s.file.label, runs: results.get(s.id) }))
        },
        null,
        1
      )
    )
    log(`\nevery run: ${Path.relative(process.cwd(), out)}`)
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.close()))
  }
}

await main()
