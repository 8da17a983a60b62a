/**
 * The shape of bench/results.json: the machine, the options of the run, every case with its individual
 * runs and their medians, the profile summaries, and the verdict on each target.
 *
 * @module
 */
import type { ChildReport, UploaderKind } from "./job.ts"
import type { MachineFacts } from "./machine.ts"
import type { ProfileSummary } from "./profile.ts"

/** Which part of the benchmark a case belongs to. */
export type Section = "compare" | "grid" | "latency" | "sink" | "polling"

/**
 * Where a case uploads to: the emulator (processing off), the null sink, the emulator with processing on, or
 * the emulator answering every APPEND only after a fixed delay (a stand-in for network and server latency).
 */
export type ServerKind = "emulator" | "sink" | "emulator-processing" | "emulator-latency"

/** One configuration to measure. */
export interface CaseSpec {
  readonly id: string
  readonly section: Section
  readonly uploader: UploaderKind
  readonly server: ServerKind
  readonly sizeMiB: number
  readonly chunkSize: number
  readonly concurrency: number
}

/** Requests the server received during one run, per step. */
export interface RequestCounts {
  readonly INIT: number
  readonly APPEND: number
  readonly FINALIZE: number
  readonly STATUS: number
  readonly other: number
}

/**
 * One measured run. Times in milliseconds, memory in bytes. The memory and GC fields are the child's own
 * report ({@link ChildReport}); `wallMs` is the measured upload, the process's second, and `warmupMs` the
 * warm-up upload (256 KiB, the process's first: module loading and first connections).
 */
export interface RunRecord extends Pick<
  ChildReport,
  | "warmupMs"
  | "wallMs"
  | "processCpuMs"
  | "maxRssBytes"
  | "rssBeforeBytes"
  | "peakHeapUsedBytes"
  | "peakArrayBuffersBytes"
  | "gcCount"
  | "gcPauseMs"
> {
  /** MiB per second of wall time. */
  readonly mibPerSec: number
  /** CPU (user + system) of the uploading process during the upload. */
  readonly cpuMs: number
  /** CPU the server process (the orchestrator, which hosts the emulator and the sink) used during the run. */
  readonly serverCpuMs: number
  /**
   * CPU other processes on the machine used during the measured upload (system busy time from
   * /proc/stat minus the orchestrator's and the child's); undefined off Linux.
   */
  readonly foreignCpuMs: number | undefined
  /** True when the machine stayed busy with other work through every retry of this run. */
  readonly contended: boolean
  /** From spawning the child to its exit. */
  readonly childElapsedMs: number
  readonly requests: RequestCounts
  /** STATUS requests that came before `check_after_secs` had passed (emulator only). */
  readonly prematureStatus: number | undefined
  /** Most APPENDs in flight at once, as the emulator saw them. */
  readonly maxConcurrentAppends: number | undefined
  /** From the FINALIZE answer to the answer that said `succeeded` (processing cases only). */
  readonly finalizeToReadyMs: number | undefined
  /** The server holds exactly the file's bytes (SHA-256 on the emulator; APPEND body bytes on the sink). */
  readonly verified: boolean
}

/** Medians over the successful runs of a case. */
export interface CaseSummary {
  readonly runs: number
  readonly warmupMs: number
  readonly wallMs: number
  readonly mibPerSec: number
  readonly mibPerSecRange: readonly [number, number]
  readonly cpuMs: number
  readonly cpuMsPerMiB: number
  readonly maxRssBytes: number
  readonly maxRssRange: readonly [number, number]
  readonly rssBeforeBytes: number
  readonly peakArrayBuffersBytes: number
  readonly serverCpuMs: number
  readonly requests: RequestCounts
  readonly prematureStatus: number | undefined
  readonly maxConcurrentAppends: number | undefined
  readonly finalizeToReadyMs: number | undefined
}

/** A case with its runs. */
export interface CaseResult {
  readonly spec: CaseSpec
  readonly runs: ReadonlyArray<RunRecord>
  readonly failures: ReadonlyArray<string>
  readonly summary: CaseSummary | undefined
}

/** Met, missed, or not measured in this run. */
export type Verdict = "met" | "missed" | "not measured"

/** A target with its verdict and the numbers behind it. */
export interface TargetResult {
  readonly id: number
  readonly title: string
  readonly verdict: Verdict
  readonly evidence: ReadonlyArray<string>
  readonly why: ReadonlyArray<string>
}

/** The options the run was made with. */
export interface RunOptions {
  readonly sizesMiB: ReadonlyArray<number>
  readonly runs: number
  readonly large: boolean
  readonly sections: ReadonlyArray<string>
  readonly polling: { readonly checkAfterSecs: number; readonly inProgressSteps: number }
  /** The delay of every APPEND answer on the latency emulator, ms. */
  readonly latencyMs: number
}

/** Resident memory after loading a set of modules (and a GC), in a fresh process: median of the runs. */
export interface Footprint {
  readonly set: string
  readonly rssBytes: number
  readonly heapUsedBytes: number
}

/** The whole of results.json. */
export interface BenchResults {
  /** The command that made the run. */
  readonly command: string
  readonly startedAt: string
  readonly durationSecs: number
  readonly machine: MachineFacts
  readonly options: RunOptions
  readonly cases: ReadonlyArray<CaseResult>
  readonly profiles: ReadonlyArray<ProfileSummary>
  readonly footprints: ReadonlyArray<Footprint>
  readonly defaults: DefaultsAnalysis | undefined
  readonly targets: ReadonlyArray<TargetResult>
  readonly notes: ReadonlyArray<string>
}

/** One configuration of the grid, as the analysis uses it. */
export interface GridPoint {
  readonly chunkSize: number
  readonly concurrency: number
  readonly mibPerSec: number
  readonly maxRssBytes: number
}

/** What one grid (one server) says about the defaults. */
export interface GridAnalysis {
  readonly server: ServerKind
  readonly sizeMiB: number
  readonly best: GridPoint
  readonly current: GridPoint
  /** The cheapest configuration (least chunk × concurrency in flight) within 10 % of the best. */
  readonly recommended: GridPoint
  readonly verdict: string
}

/** What the grids say about the default chunk size and concurrency. */
export interface DefaultsAnalysis {
  readonly grids: ReadonlyArray<GridAnalysis>
  readonly verdict: string
}
