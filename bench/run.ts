/**
 * `npm run bench [-- options]`: uploads the same generated files to the local emulator with the raw
 * baseline, @x-media/core and twitter-api-v2, each upload in its own child process, and writes
 * bench/RESULTS.md and bench/results.json (with `--large`: RESULTS.large.md and results.large.json).
 *
 * Options: `--large` adds the 512 MiB file; `--runs N` (default 3); `--sizes 8,64` and
 * `--sections compare,grid,latency,sink,polling,profile,footprint` narrow a run (its results then go to bench/.data/ so the
 * committed evidence is not overwritten); `--max-minutes M` (default 45) skips what is left after M minutes;
 * `--latency-ms N` (default 100) sets the APPEND delay of the latency grid; `--report-only` rewrites the
 * Markdown and the derived parts of the JSON from the runs recorded in the JSON (after a change to the analysis).
 *
 * @module
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { existsSync } from "node:fs"
import { Fault, type RunningEmulator, startEmulator } from "@x-media/emulator"
import { analyseDefaults, evaluateTargets, summarise } from "./analyse.ts"
import { buildChild } from "./build.ts"
import { runOnce, type Servers } from "./execute.ts"
import { type BenchFile, ensureFiles, ensureWarmupFile } from "./files.ts"
import { machineFacts, waitForQuiet } from "./machine.ts"
import { footprintSets } from "./footprint.ts"
import { killChildren, median, runChild, runFootprint } from "./measure.ts"
import { currentDefaults, planCases, timeoutFor } from "./plan.ts"
import { type ProfileSummary, summariseCpu, summariseHeap } from "./profile.ts"
import { renderMarkdown } from "./report.ts"
import type { BenchResults, CaseResult, CaseSpec, Footprint, RunRecord, Section } from "./results.ts"
import { type Sink, startSink } from "./sink.ts"

const benchDir = Path.dirname(fileURLToPath(import.meta.url))
const repoDir = Path.dirname(benchDir)
const dataDir = Path.join(benchDir, ".data")
const allSections = ["compare", "grid", "latency", "sink", "polling", "profile", "footprint"] as const
const polling = { checkAfterSecs: 1, inProgressSteps: 3 } as const
/**
 * Other work on the machine: before each run, wait (up to `quietWaitMs`) until other processes use less than
 * `quietShare` of a core over `quietWindowMs`; a run during which they used more than `minMs` and `share` of
 * its wall time is done again, up to `retries` times.
 */
const contention = { minMs: 100, share: 0.25, retries: 3, quietWindowMs: 300, quietShare: 0.15, quietWaitMs: 60_000 } as const

const quiet = async () => {
  const result = await waitForQuiet({ windowMs: contention.quietWindowMs, maxShare: contention.quietShare, maxWaitMs: contention.quietWaitMs })
  if (result.waitedMs > 2 * contention.quietWindowMs) {
    log(`  waited ${(result.waitedMs / 1000).toFixed(0)} s for other processes to leave the machine ${result.quiet ? "quiet" : "(still busy; going on)"}`)
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`)

const parseOptions = () => {
  const { values } = parseArgs({
    options: {
      large: { type: "boolean", default: false },
      runs: { type: "string", default: "3" },
      sizes: { type: "string" },
      sections: { type: "string" },
      "max-minutes": { type: "string", default: "45" },
      "latency-ms": { type: "string", default: "100" },
      "report-only": { type: "boolean", default: false }
    },
    strict: true
  })
  const runs = Number(values.runs)
  const latencyMs = Number(values["latency-ms"])
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be ≥ 0`)
  const maxMinutes = Number(values["max-minutes"])
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, got ${values.runs}`)
  if (!Number.isFinite(maxMinutes) || maxMinutes <= 0) throw new Error(`--max-minutes must be positive`)
  const sizes = values.sizes === undefined
    ? values.large ? [8, 64, 256, 512] : [8, 64, 256]
    : values.sizes.split(",").map((s) => Number(s.trim()))
  if (sizes.some((s) => !Number.isSafeInteger(s) || s < 1 || s > 512)) throw new Error(`--sizes takes MiB from 1 to 512, got ${values.sizes}`)
  const sections = values.sections === undefined ? [...allSections] : values.sections.split(",").map((s) => s.trim())
  for (const s of sections) {
    if (!allSections.some((known) => known === s)) throw new Error(`unknown section ${s}; known: ${allSections.join(", ")}`)
  }
  const partial = values.sizes !== undefined || values.sections !== undefined
  const outDir = partial ? dataDir : benchDir
  const stem = values.large ? ".large" : ""
  return {
    large: values.large,
    reportOnly: values["report-only"],
    runs,
    latencyMs,
    maxMillis: maxMinutes * 60_000,
    sizes,
    sections,
    partial,
    markdownPath: Path.join(outDir, `RESULTS${stem}.md`),
    jsonPath: Path.join(outDir, `results${stem}.json`),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`
  }
}

/** Reads the cases of an earlier --large run, for the 512 MiB RSS target of a default run. */
const readLargeRun = async (): Promise<{ readonly cases: ReadonlyArray<CaseResult>; readonly at: string | undefined }> => {
  try {
    const parsed: unknown = JSON.parse(await readFile(Path.join(benchDir, "results.large.json"), "utf8"))
    if (typeof parsed === "object" && parsed !== null && "cases" in parsed && Array.isArray(parsed.cases) && "startedAt" in parsed) {
      const cases: ReadonlyArray<CaseResult> = parsed.cases
      return { cases, at: String(parsed.startedAt) }
    }
  } catch {
    // no earlier --large run
  }
  return { cases: [], at: undefined }
}

const isContended = (record: RunRecord): boolean =>
  record.foreignCpuMs !== undefined && record.foreignCpuMs > Math.max(contention.minMs, contention.share * record.wallMs)

const describeRun = (record: RunRecord) =>
  `${record.mibPerSec.toFixed(0)} MiB/s, ${(record.wallMs / 1000).toFixed(2)} s, RSS ${(record.maxRssBytes / 1e6).toFixed(0)} MB, ` +
  `CPU ${record.cpuMs.toFixed(0)} ms, requests ${record.requests.INIT}/${record.requests.APPEND}/${record.requests.FINALIZE}/${record.requests.STATUS}`

const main = async () => {
  const options = parseOptions()
  if (options.reportOnly) return reportOnly(options)
  const started = Date.now()
  const startedAt = new Date(started).toISOString()
  const machine = machineFacts()
  log(`x-media bench: ${machine.cpuModel}, ${machine.logicalCores} cores, ${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.nodeVersion}`)
  log(`sizes ${options.sizes.join(", ")} MiB; ${options.runs} runs per configuration; sections ${options.sections.join(", ")}`)

  const buildDir = Path.join(dataDir, "build")
  await rm(buildDir, { recursive: true, force: true })
  const built = await buildChild(buildDir)
  const script = built.child
  const files = await ensureFiles(dataDir, options.sizes, log)
  const warmup = await ensureWarmupFile(dataDir, log)
  const fileOf = new Map<number, BenchFile>(files.map((f) => [f.sizeMiB, f]))

  let emulator: RunningEmulator | undefined
  let processing: RunningEmulator | undefined
  let latency: RunningEmulator | undefined
  let sink: Sink | undefined
  const shutdown = async () => {
    killChildren()
    await Promise.allSettled([emulator?.close(), processing?.close(), latency?.close(), sink?.close()])
  }
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping the children and the servers`)
    void shutdown().finally(() => process.exit(130))
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)

  try {
    // Segments spill to tmpfs where there is one, so disk writeback does not add noise to the emulator's side.
    const spillDir = existsSync("/dev/shm") ? "/dev/shm" : undefined
    const common = { auth: false, ...(spillDir === undefined ? {} : { spillDir }) }
    emulator = await startEmulator({ ...common, processing: { enabled: false } })
    processing = await startEmulator({ ...common, processing: { enabled: true, ...polling } })
    latency = await startEmulator({
      ...common,
      processing: { enabled: false },
      faults: [{ step: "APPEND", times: Number.POSITIVE_INFINITY, fault: Fault.delay(options.latencyMs) }]
    })
    sink = await startSink()
    const servers: Servers = { emulator, processing, latency, sink, warmup }
    log(`emulators ${emulator.url} (processing off), ${processing.url} (processing on), ${latency.url} (APPEND answered after ${options.latencyMs} ms); sink ${sink.url}; spill to ${spillDir ?? "the OS temp dir"}`)

    const footprints: Array<Footprint> = []
    if (options.sections.includes("footprint")) {
      for (const set of Object.keys(footprintSets)) {
        const reports = []
        for (let i = 0; i < options.runs; i++) {
          const report = await runFootprint(built.footprint, set)
          if (report !== undefined) reports.push(report)
        }
        if (reports.length === 0) {
          log(`footprint ${set}: FAILED`)
          continue
        }
        const footprint = { set, rssBytes: median(reports.map((r) => r.rssBytes)), heapUsedBytes: median(reports.map((r) => r.heapUsedBytes)) }
        footprints.push(footprint)
        log(`footprint ${set}: RSS ${(footprint.rssBytes / 1e6).toFixed(0)} MB`)
      }
    }

    const sections = new Set(options.sections.filter((s): s is Section => s !== "profile" && s !== "footprint"))
    const specs = planCases(options.sizes, sections)
    const runs = new Map<string, Array<RunRecord>>(specs.map((s) => [s.id, []]))
    const failures = new Map<string, Array<string>>(specs.map((s) => [s.id, []]))
    const total = specs.length * options.runs
    let done = 0
    // Round robin: every configuration once, then again, so drift on the machine spreads over all of them.
    for (let round = 1; round <= options.runs; round++) {
      for (const spec of specs) {
        done += 1
        const file = fileOf.get(spec.sizeMiB)
        if (file === undefined) continue
        if (Date.now() - started > options.maxMillis) {
          failures.get(spec.id)?.push("skipped: over --max-minutes")
          continue
        }
        await quiet()
        let outcome = await runOnce(spec, file, servers, script, timeoutFor(spec))
        for (let retry = 1; outcome._tag === "Ok" && isContended(outcome.record) && retry <= contention.retries; retry++) {
          log(`  machine busy with other work (${(outcome.record.foreignCpuMs ?? 0).toFixed(0)} ms CPU of other processes in ${outcome.record.wallMs.toFixed(0)} ms); again`)
          await quiet()
          outcome = await runOnce(spec, file, servers, script, timeoutFor(spec))
        }
        if (outcome._tag === "Ok" && isContended(outcome.record)) outcome = { _tag: "Ok", record: { ...outcome.record, contended: true } }
        if (outcome._tag === "Ok") runs.get(spec.id)?.push(outcome.record)
        else failures.get(spec.id)?.push(outcome.reason)
        log(`[${done}/${total}] ${spec.id} run ${round}: ${outcome._tag === "Ok" ? describeRun(outcome.record) : `FAILED ${outcome.reason}`}`)
      }
    }
    const cases: Array<CaseResult> = specs.map((spec: CaseSpec) => {
      const ok = runs.get(spec.id) ?? []
      return { spec, runs: ok, failures: failures.get(spec.id) ?? [], summary: summarise(ok, spec.sizeMiB) }
    })

    const profiles: Array<ProfileSummary> = []
    const profileFile = fileOf.get(64) ?? files.at(-1)
    if (options.sections.includes("profile") && profileFile !== undefined) {
      const profileDir = Path.join(dataDir, "profiles")
      await mkdir(profileDir, { recursive: true })
      const jobs = [["xmedia", "cpu"], ["raw", "cpu"], ["xmedia", "heap"], ["raw", "heap"]] as const
      for (const [uploader, kind] of jobs) {
        const out = Path.join(profileDir, `${uploader}-${profileFile.sizeMiB}MiB-c${currentDefaults.concurrency}.${kind === "cpu" ? "cpuprofile" : "heapprofile"}`)
        emulator.reset()
        const run = await runChild(script, {
          uploader,
          baseUrl: emulator.url,
          path: profileFile.path,
          bytes: profileFile.bytes,
          chunkSize: currentDefaults.chunkSize,
          concurrency: currentDefaults.concurrency,
          credentials: emulator.credentials,
          warmup: { baseUrl: emulator.url, path: warmup.path, bytes: warmup.bytes },
          profile: kind,
          profileOut: out
        }, timeoutFor({ id: "", section: "compare", uploader, server: "emulator", sizeMiB: profileFile.sizeMiB, ...currentDefaults }), () => emulator?.reset())
        if (run._tag === "Failed" || !run.report.ok) {
          log(`profile ${uploader} ${kind}: FAILED ${run._tag === "Failed" ? run.reason : run.report.error}`)
          continue
        }
        const context = {
          uploader,
          sizeMiB: profileFile.sizeMiB,
          chunkSize: currentDefaults.chunkSize,
          concurrency: currentDefaults.concurrency,
          file: Path.relative(repoDir, out),
          requests: emulator.requests().length
        }
        const summary = kind === "cpu" ? await summariseCpu(out, context) : await summariseHeap(out, context)
        profiles.push(summary)
        log(`profile ${uploader} ${kind}: ${kind === "cpu" ? `${summary.totalPerMiB.toFixed(1)} ms CPU per MiB` : `${(summary.totalPerMiB / 1e6).toFixed(2)} MB allocated per MiB`}`)
      }
    }

    await analyseAndWrite({
      command: options.command,
      startedAt,
      durationSecs: (Date.now() - started) / 1000,
      machine,
      options: {
        sizesMiB: options.sizes,
        runs: options.runs,
        large: options.large,
        sections: options.sections,
        polling,
        latencyMs: options.latencyMs
      },
      cases,
      profiles,
      footprints
    }, options)
  } finally {
    await shutdown()
  }
}

/** The measured part of the results; everything else is derived from it. */
type Measured = Omit<BenchResults, "defaults" | "targets" | "notes">

/** Derives the medians, the defaults analysis, the target verdicts and the notes, and writes both files. */
const analyseAndWrite = async (
  measured: Measured,
  paths: { readonly jsonPath: string; readonly markdownPath: string }
): Promise<void> => {
  const { options } = measured
  const cases = measured.cases.map((c) => ({ ...c, summary: summarise(c.runs, c.spec.sizeMiB) }))
  const large = options.large ? { cases: [], at: undefined } : await readLargeRun()
  const results: BenchResults = {
    ...measured,
    cases,
    defaults: analyseDefaults(cases, options.latencyMs),
    targets: evaluateTargets({
      cases,
      largeCases: large.cases,
      largeRunAt: large.at,
      profiles: measured.profiles,
      footprints: measured.footprints,
      polling: options.polling,
      latencyMs: options.latencyMs
    }),
    notes: notes(options.runs, options.latencyMs, cases)
  }
  await mkdir(Path.dirname(paths.jsonPath), { recursive: true })
  await writeFile(paths.jsonPath, `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(paths.markdownPath, renderMarkdown(results))
  log(`\nwrote ${Path.relative(repoDir, paths.markdownPath)} and ${Path.relative(repoDir, paths.jsonPath)} (${(results.durationSecs / 60).toFixed(1)} min of measuring)`)
  for (const t of results.targets) log(`target ${t.id} (${t.title}): ${t.verdict}`)
}

/** `--report-only`: derives and writes the files again from the runs recorded in the results file. */
const reportOnly = async (paths: { readonly jsonPath: string; readonly markdownPath: string }): Promise<void> => {
  const measured: Measured = JSON.parse(await readFile(paths.jsonPath, "utf8"))
  await analyseAndWrite(measured, paths)
}

const notes = (runs: number, latencyMs: number, cases: ReadonlyArray<CaseResult>): ReadonlyArray<string> => [
  `Other work on the machine is watched (the machine is shared with other sessions' builds and tests). Before each run the ` +
  `orchestrator waits (up to ${contention.quietWaitMs / 1000} s) until other processes use under ${100 * contention.quietShare} % of a core; ` +
  `during each run, the CPU other processes used is read from /proc/stat (system busy time minus the orchestrator's and the ` +
  `child's). A run where it exceeds ${contention.minMs} ms and ${100 * contention.share} % of the run's wall time is done again ` +
  `(up to ${contention.retries} times); ` +
  `runs still contended after that are kept and flagged (${cases.reduce((n, c) => n + c.runs.filter((r) => r.contended).length, 0)} in this run).`,
  `Latency grid: a third emulator answers every APPEND only after ${latencyMs} ms (the emulator's Delay fault, applied after the ` +
  "body is received), a stand-in for the round trip and server time of a real upload that loopback does not have; it is where " +
  "APPEND concurrency pays. It does not model bandwidth.",
  `Every upload runs in its own child process (the orchestrator's Node binary, \`--expose-gc\`), started fresh for each of the ${runs} runs; ` +
  "the configurations are run round robin (all once, then all again) so drift on the machine spreads evenly. Each run has a timeout " +
  "(30 s + 0.4 s per MiB, + 60 s with processing) after which the child is killed.",
  "The child is compiled with esbuild (bench/build.ts) to plain JavaScript, with @x-media/core's TypeScript bundled in and every npm package " +
  "(effect, @effect/platform-node, undici, twitter-api-v2) loaded from node_modules, as in a compiled application: no TypeScript loader sits " +
  "in any uploader's memory or CPU time. Each child loads only its own uploader's modules (the raw baseline never loads Effect).",
  "The emulator (@x-media/emulator, auth off, processing off) and the null sink run in the orchestrator process; server CPU is that " +
  "process's CPU during the run. The machine has 2 cores: uploader and server each get about one.",
  "After every run the emulator's recorder gives the requests per step, and the media's SHA-256 (computed by the emulator from the " +
  "segments it spilled to disk) must equal the file's, in state succeeded; a run that fails this check counts as failed.",
  "Inputs: bench/.data/<size>MiB.mp4, random bytes behind a 24-byte MP4 `ftyp` box, so every uploader sniffs video/mp4 (generated once, git-ignored).",
  "Raw baseline (bench/uploaders/raw.ts): v2 INIT (JSON), APPEND multipart (`segment_index`, `media`) with each segment read at its " +
  "offset into one reusable buffer per worker, FINALIZE, on a keep-alive node:http Agent, OAuth 1.0a signed per request (node:crypto).",
  "Ours (bench/uploaders/xmedia.ts): `Upload.upload(MediaSource.fromFile(path), { chunkSize, concurrency })` from @x-media/core, " +
  "provided with @x-media/node's `NodeXMedia.layer({ credentials: OAuth 1.0a, baseUrl, dialect: \"v2\", budget: false })` " +
  "(MediaClient + Auth on `NodeHttpClient.layerUndici`, and `NodeFileSystem.layer`), the library's own retry policy left at its defaults.",
  "twitter-api-v2 1.29.1 (bench/uploaders/twitterApiV2.ts): it sends every request with `https.request` to X's hosts and chooses the body " +
  "encoding by host name, so the URLs are left as they are and the connection is redirected: `httpAgent` is an `https.Agent` whose " +
  "`createConnection` opens plain TCP to the emulator, which routes by path. Its OAuth 1.0a signature covers https://upload.x.com/…, which " +
  "the emulator cannot match, hence auth off for every uploader (all of them still sign every request). Both modes work against the emulator. " +
  "v1.uploadMedia streams from the path (chunkLength, maxConcurrentUploads; it picks amplify_video for .mp4); v2.uploadMedia takes a Buffer, so " +
  "the file is read whole first (inside the measured time), and sends one APPEND at a time.",
  "Polling: a second emulator with processing on (check_after_secs 1, 3 in_progress steps), on the smallest file.",
  "Peak RSS is `process.resourceUsage().maxRSS` read at the end in the child (whole process life); CPU is `process.cpuUsage()` around the upload."
]

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  killChildren()
  process.exit(1)
})
