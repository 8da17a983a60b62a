/**
 * What the orchestrator asks a child process to do (`Job`), and what the child reports back
 * (`ChildReport`): one upload by one uploader, measured from inside the uploading process.
 *
 * @module
 */

/** The uploaders compared. */
export type UploaderKind =
  /** Minimal node:http client, v2 dialect: the practical ceiling. */
  | "raw"
  /** `Upload.upload` from @x-media/core on undici. */
  | "xmedia"
  /** twitter-api-v2 `v1.uploadMedia` (v1.1, streams from the file). */
  | "tapi-v1"
  /** twitter-api-v2 `v2.uploadMedia` (v2, takes a whole Buffer). */
  | "tapi-v2"

/** OAuth 1.0a user-context credentials, as the emulator generates them. */
export interface JobCredentials {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly accessToken: string
  readonly accessTokenSecret: string
}

/** A profile to take of the upload (in-process, through node:inspector, around the upload only). */
export type ProfileKind = "cpu" | "heap"

/** One upload for a child process. */
export interface Job {
  readonly uploader: UploaderKind
  /** scheme://host:port of the server to upload to. */
  readonly baseUrl: string
  readonly path: string
  readonly bytes: number
  readonly chunkSize: number
  readonly concurrency: number
  readonly credentials: JobCredentials
  /**
   * A small upload made first, in the same process, to `warmup.baseUrl` (always the processing-free
   * emulator): it loads every module and opens the code paths, so the measured upload is the process's
   * second one. Its own time is reported as the cold first-upload latency. Between the two the child asks
   * the orchestrator (over IPC) to reset the servers, so they record only the measured upload.
   */
  readonly warmup?: { readonly baseUrl: string; readonly path: string; readonly bytes: number } | undefined
  /** When set, the upload is profiled and the profile written to `profileOut`. */
  readonly profile?: ProfileKind | undefined
  readonly profileOut?: string | undefined
}

/** What an uploader hands back. */
export interface UploadOutcome {
  readonly mediaId: string
}

/** What the child prints (one JSON line after {@link resultMarker}). */
export interface ChildReport {
  readonly ok: boolean
  readonly error?: string | undefined
  readonly mediaId?: string | undefined
  /** Wall time of the warm-up upload, the process's first (lazy module loading, first connections); 0 without one. */
  readonly warmupMs: number
  /** Upload wall time inside the child, from the call to its result (module loading excluded). */
  readonly wallMs: number
  /** CPU time (user, system) spent during the upload, from `process.cpuUsage` deltas. */
  readonly cpuUserMs: number
  readonly cpuSystemMs: number
  /** CPU time of the whole child process, module loading included (`process.resourceUsage`). */
  readonly processCpuMs: number
  /** Peak resident set size of the child over its whole life (`process.resourceUsage().maxRSS`), bytes. */
  readonly maxRssBytes: number
  /** RSS just before the upload started (modules loaded, after a GC), bytes. */
  readonly rssBeforeBytes: number
  /** Peak V8 heap used, sampled every 20 ms during the upload, bytes. */
  readonly peakHeapUsedBytes: number
  /** Peak `arrayBuffers` (Buffer and ArrayBuffer backing stores), sampled every 20 ms, bytes. */
  readonly peakArrayBuffersBytes: number
  /** Garbage collections during the upload, and their total pause. */
  readonly gcCount: number
  readonly gcPauseMs: number
  readonly nodeVersion: string
}

/** The IPC message the child sends after its warm-up, and the one it waits for before the measured upload. */
export const readyMessage = "warmed-up"
export const goMessage = "go"

/** The prefix of the line on the child's stdout that carries its {@link ChildReport}. */
export const resultMarker = "BENCH_RESULT "

/** Type guard for a parsed child report. */
export const isChildReport = (value: unknown): value is ChildReport =>
  typeof value === "object" && value !== null && "ok" in value && "wallMs" in value && "maxRssBytes" in value
