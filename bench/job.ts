/**
 * What the orchestrator asks an uploading process to do, and what it reports back.
 *
 * @module
 */

/**
 * The uploaders compared. `cli` is the bundled `x-media upload` command, run as a user runs it;
 * `effect-floor` is the raw protocol as the smallest effect program (uploaders/effectFloor.ts), bundled
 * and run cold like the CLI; `cli-floor` is that program as a command on effect's CLI (uploaders/cliFloor.ts).
 */
export type Uploader = "raw" | "effect-floor" | "cli-floor" | "xmedia" | "cli" | "tapi-v1" | "tapi-v2"

/** The emulator's first user: OAuth 1.0a user credentials and an OAuth 2.0 token. */
export interface JobCredentials {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly accessToken: string
  readonly accessTokenSecret: string
  readonly oauth2Token: string
}

/** One upload. */
export interface Job {
  readonly uploader: Uploader
  readonly dialect: "v1" | "v2"
  readonly auth: "oauth1" | "oauth2"
  readonly baseUrl: string
  readonly path: string
  readonly bytes: number
  readonly mediaType: string
  readonly category: string
  readonly chunkSize: number
  readonly concurrency: number
  readonly credentials: JobCredentials
  /** Library uploaders: upload this small file first (module loading, first connections), then the measured one. */
  readonly warmup?: { readonly baseUrl: string; readonly path: string; readonly bytes: number } | undefined
  /** Library uploaders: upload the measured file this many times in a row (default 1), RSS after each. */
  readonly repeat?: number | undefined
}

/** What a library child prints on its last stdout line. */
export interface ChildReport {
  readonly mediaId: string
  /** Wall time of the measured upload inside the process (the last one with `repeat`). */
  readonly uploadMs: number
  /** CPU (user + system) of the process during the measured upload(s). */
  readonly uploadCpuMs: number
  /** RSS after each measured upload (after a GC). */
  readonly rssAfter: ReadonlyArray<number>
}

/** What the rusage preload writes when any measured process exits. */
export interface Rusage {
  readonly maxRssBytes: number
  readonly cpuMs: number
}

/** IPC: the child finished its warm-up; the orchestrator resets the emulator and answers `go`. */
export const readyMessage = "ready"
export const goMessage = "go"
