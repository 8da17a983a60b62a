/**
 * The uploading process: runs one {@link Job} (JSON in argv[2]) with one uploader, measures it from the
 * inside, optionally profiles it, and prints one {@link ChildReport} line on stdout. Only the chosen
 * uploader's modules are loaded (the raw baseline never loads Effect), so peak RSS is that uploader's alone.
 *
 * Run by the orchestrator, compiled (build.ts), as `node --expose-gc bench/.data/build/child.mjs '<job json>'`,
 * with an IPC channel for the warm-up handshake.
 *
 * @module
 */
import { PerformanceObserver } from "node:perf_hooks"
import { writeFile } from "node:fs/promises"
import { Session } from "node:inspector/promises"
import { type ChildReport, goMessage, type Job, readyMessage, resultMarker, type UploadOutcome } from "./job.ts"

const loadUploader = async (job: Job): Promise<(job: Job) => Promise<UploadOutcome>> => {
  switch (job.uploader) {
    case "raw":
      return (await import("./uploaders/raw.ts")).uploadRaw
    case "xmedia":
      return (await import("./uploaders/xmedia.ts")).uploadXMedia
    case "tapi-v1":
      return (await import("./uploaders/twitterApiV2.ts")).uploadTwitterApiV1
    case "tapi-v2":
      return (await import("./uploaders/twitterApiV2.ts")).uploadTwitterApiV2
  }
}

/** Starts the requested profiler; the returned function stops it and writes the profile. */
const startProfile = async (job: Job): Promise<() => Promise<void>> => {
  if (job.profile === undefined || job.profileOut === undefined) return async () => {}
  const out = job.profileOut
  const session = new Session()
  session.connect()
  if (job.profile === "cpu") {
    await session.post("Profiler.enable")
    await session.post("Profiler.setSamplingInterval", { interval: 200 })
    await session.post("Profiler.start")
    return async () => {
      const { profile } = await session.post("Profiler.stop")
      await writeFile(out, JSON.stringify(profile))
      session.disconnect()
    }
  }
  await session.post("HeapProfiler.enable")
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 16 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  })
  return async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling")
    await writeFile(out, JSON.stringify(profile))
    session.disconnect()
  }
}

/** Tells the orchestrator the warm-up is done and waits for it to reset the servers. */
const handshake = (): Promise<void> =>
  new Promise((resolve, reject) => {
    if (process.send === undefined) return resolve()
    process.once("message", (message: unknown) =>
      message === goMessage ? resolve() : reject(new Error(`unexpected message ${String(message)}`)))
    process.send(readyMessage)
  })

const main = async (): Promise<ChildReport> => {
  const raw = process.argv[2]
  if (raw === undefined) throw new Error("usage: child.ts '<job json>'")
  const job: Job = JSON.parse(raw)
  const upload = await loadUploader(job)
  let warmupMs = 0
  if (job.warmup !== undefined) {
    const warmupStarted = performance.now()
    await upload({ ...job, ...job.warmup })
    warmupMs = performance.now() - warmupStarted
    await handshake()
  }
  globalThis.gc?.()
  const rssBeforeBytes = process.memoryUsage.rss()

  let gcCount = 0
  let gcPauseMs = 0
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount += 1
      gcPauseMs += entry.duration
    }
  })
  gcObserver.observe({ entryTypes: ["gc"] })
  let peakHeapUsedBytes = 0
  let peakArrayBuffersBytes = 0
  const sample = () => {
    const usage = process.memoryUsage()
    if (usage.heapUsed > peakHeapUsedBytes) peakHeapUsedBytes = usage.heapUsed
    if (usage.arrayBuffers > peakArrayBuffersBytes) peakArrayBuffersBytes = usage.arrayBuffers
  }
  const sampler = setInterval(sample, 20)

  const stopProfile = await startProfile(job)
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  let outcome: { readonly ok: true; readonly value: UploadOutcome } | { readonly ok: false; readonly error: string }
  try {
    outcome = { ok: true, value: await upload(job) }
  } catch (error) {
    outcome = { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
  }
  const wallMs = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  await stopProfile()
  clearInterval(sampler)
  sample()
  gcObserver.disconnect()
  const usage = process.resourceUsage()
  return {
    ok: outcome.ok,
    ...(outcome.ok ? { mediaId: outcome.value.mediaId } : { error: outcome.error }),
    warmupMs,
    wallMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    processCpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssBytes: usage.maxRSS * 1024,
    rssBeforeBytes,
    peakHeapUsedBytes,
    peakArrayBuffersBytes,
    gcCount,
    gcPauseMs,
    nodeVersion: process.version
  }
}

main().then(
  (report) => {
    process.stdout.write(`${resultMarker}${JSON.stringify(report)}\n`)
    process.exit(0)
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  }
)
