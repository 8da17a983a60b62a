/**
 * One measured run of a case: reset the server, run the upload in a child process, read what the server
 * received (requests per step from the emulator's recorder, premature STATUS calls, APPENDs in flight) and
 * check that it holds exactly the file's bytes.
 *
 * @module
 */
import type { RunningEmulator } from "@x-media/emulator"
import type { BenchFile } from "./files.ts"
import { systemBusyMs } from "./machine.ts"
import type { JobCredentials } from "./job.ts"
import { runChild } from "./measure.ts"
import type { CaseSpec, RequestCounts, RunRecord } from "./results.ts"
import type { Sink } from "./sink.ts"

/** The servers a run may upload to, all in this process. */
export interface Servers {
  /** Auth off, processing off. */
  readonly emulator: RunningEmulator
  readonly sink: Sink
  /** Auth off, processing on with a known check_after_secs and step count. */
  readonly processing: RunningEmulator
  /** Auth off, processing off, every APPEND answered after a fixed delay. */
  readonly latency: RunningEmulator
  /** The file of the warm-up upload every child makes (to `emulator`) before the measured one. */
  readonly warmup: BenchFile
}

/** How a run ended. */
export type RunOutcome =
  | { readonly _tag: "Ok"; readonly record: RunRecord }
  | { readonly _tag: "Failed"; readonly reason: string }

const credentialsOf = (emulator: RunningEmulator): JobCredentials => ({
  consumerKey: emulator.credentials.consumerKey,
  consumerSecret: emulator.credentials.consumerSecret,
  accessToken: emulator.credentials.accessToken,
  accessTokenSecret: emulator.credentials.accessTokenSecret
})

const countSteps = (steps: ReadonlyArray<string | undefined>): RequestCounts => {
  const counts = { INIT: 0, APPEND: 0, FINALIZE: 0, STATUS: 0, other: 0 }
  for (const step of steps) {
    if (step === "INIT" || step === "APPEND" || step === "FINALIZE" || step === "STATUS") counts[step] += 1
    else counts.other += 1
  }
  return counts
}

/** Runs `spec` once on `file` with the compiled child `script`, bounded by `timeoutMs`. */
export const runOnce = async (
  spec: CaseSpec,
  file: BenchFile,
  servers: Servers,
  script: string,
  timeoutMs: number
): Promise<RunOutcome> => {
  const emulator = spec.server === "emulator-processing"
    ? servers.processing
    : spec.server === "emulator-latency"
    ? servers.latency
    : servers.emulator
  const baseUrl = spec.server === "sink" ? servers.sink.url : emulator.url
  const resetAll = () => {
    servers.emulator.reset()
    servers.processing.reset()
    servers.latency.reset()
    servers.sink.reset()
  }
  resetAll()
  let cpuBefore = process.cpuUsage()
  let busyBefore = systemBusyMs()
  const run = await runChild(script, {
    uploader: spec.uploader,
    baseUrl,
    path: file.path,
    bytes: file.bytes,
    chunkSize: spec.chunkSize,
    concurrency: spec.concurrency,
    credentials: credentialsOf(emulator),
    warmup: { baseUrl: servers.emulator.url, path: servers.warmup.path, bytes: servers.warmup.bytes }
  }, timeoutMs, () => {
    resetAll()
    cpuBefore = process.cpuUsage()
    busyBefore = systemBusyMs()
  })
  const serverCpu = process.cpuUsage(cpuBefore)
  const busyAfter = systemBusyMs()
  if (run._tag === "Failed") return { _tag: "Failed", reason: run.reason }
  const report = run.report
  if (!report.ok || report.mediaId === undefined) return { _tag: "Failed", reason: report.error ?? "no media id" }

  let requests: RequestCounts
  let verified: boolean
  let prematureStatus: number | undefined
  let maxConcurrentAppends: number | undefined
  let finalizeToReadyMs: number | undefined
  if (spec.server === "sink") {
    const counts = servers.sink.counts()
    requests = { INIT: counts.INIT, APPEND: counts.APPEND, FINALIZE: counts.FINALIZE, STATUS: counts.STATUS, other: 0 }
    verified = counts.APPEND === Math.ceil(file.bytes / spec.chunkSize) && counts.appendBodyBytes >= file.bytes
  } else {
    const recorded = emulator.requests()
    requests = countSteps(recorded.map((r) => r.step))
    const media = emulator.media(report.mediaId)
    verified = media !== undefined && media.state === "succeeded" && media.sha256 === file.sha256
    prematureStatus = media?.prematureStatusChecks
    maxConcurrentAppends = media?.maxConcurrentAppends
    if (spec.server === "emulator-processing") {
      const finalized = recorded.find((r) => r.step === "FINALIZE")?.endedAt
      const lastStatus = recorded.filter((r) => r.step === "STATUS").at(-1)?.endedAt
      finalizeToReadyMs = finalized !== undefined && lastStatus !== undefined ? lastStatus - finalized : undefined
    }
    if (!verified) {
      return {
        _tag: "Failed",
        reason: `the emulator holds ${media === undefined ? "no such media" : `state ${media.state}, sha256 ${media.sha256 ?? "none"}`}, expected succeeded with ${file.sha256}`
      }
    }
  }
  const serverCpuMs = (serverCpu.user + serverCpu.system) / 1000
  const foreignCpuMs = busyBefore === undefined || busyAfter === undefined
    ? undefined
    : Math.max(0, busyAfter - busyBefore - serverCpuMs - report.cpuUserMs - report.cpuSystemMs)
  const record: RunRecord = {
    warmupMs: report.warmupMs,
    wallMs: report.wallMs,
    mibPerSec: file.sizeMiB / (report.wallMs / 1000),
    cpuMs: report.cpuUserMs + report.cpuSystemMs,
    processCpuMs: report.processCpuMs,
    maxRssBytes: report.maxRssBytes,
    rssBeforeBytes: report.rssBeforeBytes,
    peakHeapUsedBytes: report.peakHeapUsedBytes,
    peakArrayBuffersBytes: report.peakArrayBuffersBytes,
    gcCount: report.gcCount,
    gcPauseMs: report.gcPauseMs,
    serverCpuMs,
    foreignCpuMs,
    contended: false,
    childElapsedMs: run.elapsedMs,
    requests,
    prematureStatus,
    maxConcurrentAppends,
    finalizeToReadyMs,
    verified
  }
  return verified ? { _tag: "Ok", record } : { _tag: "Failed", reason: `the sink received ${JSON.stringify(requests)}` }
}
