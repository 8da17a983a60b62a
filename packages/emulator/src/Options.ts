/**
 * What the emulator can be told when it starts (`EmulatorOptions`), and the fully resolved
 * configuration every other module reads (`EmulatorConfig`): defaults filled in, credentials
 * generated when not given.
 *
 * @module
 */
import { randomBytes } from "node:crypto"
import type { FaultRule } from "./Faults.ts"

/** The two API dialects the emulator serves on one port: `v1` (`/1.1/media/upload.json`) and `v2` (`/2/media/...`). */
export type Dialect = "v1" | "v2"

/** A step of the upload protocol; `METADATA` is alt text (`metadata/create.json` or `/2/media/metadata`). */
export type Step = "INIT" | "APPEND" | "FINALIZE" | "STATUS" | "METADATA"

/** Every step, in protocol order. */
export const steps: ReadonlyArray<Step> = ["INIT", "APPEND", "FINALIZE", "STATUS", "METADATA"]

/** The credentials the emulator accepts: one OAuth 1.0a user context and one OAuth 2.0 user token. */
export interface EmulatorCredentials {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly accessToken: string
  readonly accessTokenSecret: string
  readonly oauth2Token: string
}

/** Options of `Emulator.layer` / `startEmulator`. Every field is optional. */
export interface EmulatorOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string
  /** Port to listen on; `0` (the default) picks a free port. */
  readonly port?: number
  /** Credentials to accept; any field not given is generated randomly (read them back from the handle). */
  readonly credentials?: Partial<EmulatorCredentials>
  /** Verify OAuth 1.0a signatures and OAuth 2.0 bearer tokens. Default `true`; `false` accepts any request. */
  readonly auth?: boolean
  /** Scopes granted to the OAuth 2.0 token. Default `["media.write", "tweet.read", "tweet.write", "users.read", "offline.access"]`. */
  readonly oauth2Scopes?: ReadonlyArray<string>
  /**
   * Asynchronous processing of video and GIF categories.
   * `enabled` (default `true`; `false` makes everything ready at FINALIZE), `checkAfterSecs` advertised in
   * `processing_info` (default 1; 0 lets every STATUS advance), `inProgressSteps`: how many STATUS answers
   * say `in_progress` before `succeeded` (default 2).
   */
  readonly processing?: {
    readonly enabled?: boolean
    readonly checkAfterSecs?: number
    readonly inProgressSteps?: number
  }
  /**
   * Byte limits checked at INIT per category (image 5242880, gif 15728640, video 536870912), the largest APPEND
   * chunk (default 5 MiB = 5242880) and the number of segments (default 1000, so `segment_index` 0..999).
   */
  readonly limits?: {
    readonly image?: number
    readonly gif?: number
    readonly video?: number
    readonly maxChunkBytes?: number
    readonly maxSegments?: number
  }
  /**
   * Lifetime of a media id. `init`: from INIT until FINALIZE (default: 3599 s on v1, 1295999 s on v2, as X
   * answers); `finalize`: from FINALIZE on (default 86400 s).
   */
  readonly expiresAfterSecs?: { readonly init?: number; readonly finalize?: number }
  /**
   * Per-user 15-minute rate limits. Headers are always sent; `true` enforces X's v2 numbers (INIT, APPEND and
   * FINALIZE 1875, STATUS 1000, METADATA 500) with 429 code 88; an object enforces with the given numbers
   * (others keep X's). Default: not enforced.
   */
  readonly rateLimits?: boolean | Partial<Record<Step, number>>
  /** Largest accepted difference between `oauth_timestamp` and the real time, in seconds. Default 300. */
  readonly timestampWindowSecs?: number
  /** Fault rules active from the start (see `FaultRule`); change them later with `setFaults`. */
  readonly faults?: ReadonlyArray<FaultRule>
  /** Directory under which the per-run spill directory (one file per segment) is created. Default: the OS temp dir. */
  readonly spillDir?: string
}

/** X's per-user limits per 15 minutes for the v2 media endpoints (§2.5). */
export const defaultRateLimits: Readonly<Record<Step, number>> = {
  INIT: 1875,
  APPEND: 1875,
  FINALIZE: 1875,
  STATUS: 1000,
  METADATA: 500
}

/** The scopes the OAuth 2.0 token has unless `oauth2Scopes` says otherwise. */
export const defaultOAuth2Scopes: ReadonlyArray<string> = [
  "media.write",
  "tweet.read",
  "tweet.write",
  "users.read",
  "offline.access"
]

/** `EmulatorOptions` with every default applied. */
export interface EmulatorConfig {
  readonly host: string
  readonly port: number
  readonly credentials: EmulatorCredentials
  readonly auth: boolean
  readonly oauth2Scopes: ReadonlyArray<string>
  readonly processing: { readonly enabled: boolean; readonly checkAfterSecs: number; readonly inProgressSteps: number }
  readonly limits: {
    readonly image: number
    readonly gif: number
    readonly video: number
    readonly maxChunkBytes: number
    readonly maxSegments: number
  }
  readonly expiresAfterSecs: {
    readonly init: Readonly<Record<Dialect, number>>
    readonly finalize: number
  }
  readonly rateLimits: { readonly enforced: boolean; readonly limits: Readonly<Record<Step, number>> }
  readonly timestampWindowSecs: number
  readonly faults: ReadonlyArray<FaultRule>
  readonly spillDir: string | undefined
}

const token = (bytes: number): string => randomBytes(bytes).toString("base64url")

/** Random credentials shaped like X's (key 25 chars, secrets 50, access token `<digits>-<random>`). */
export const generateCredentials = (): EmulatorCredentials => ({
  consumerKey: token(19).slice(0, 25),
  consumerSecret: token(38).slice(0, 50),
  accessToken: `${1000000000 + Math.floor(Math.random() * 8999999999)}-${token(30).slice(0, 40)}`,
  accessTokenSecret: token(34).slice(0, 45),
  oauth2Token: token(60)
})

const nonNegative = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`)
  return value
}

const positiveInt = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`)
  return value
}

/**
 * Applies the defaults to `options`. Throws a `RangeError` for a nonsensical number (negative limits and so
 * on): those are programming errors in a test, not conditions to recover from.
 */
export const resolveOptions = (options: EmulatorOptions = {}): EmulatorConfig => {
  const generated = generateCredentials()
  const rateLimits = options.rateLimits
  const limits = options.limits ?? {}
  const processing = options.processing ?? {}
  const expires = options.expiresAfterSecs ?? {}
  return {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    credentials: { ...generated, ...options.credentials },
    auth: options.auth ?? true,
    oauth2Scopes: options.oauth2Scopes ?? defaultOAuth2Scopes,
    processing: {
      enabled: processing.enabled ?? true,
      checkAfterSecs: nonNegative("processing.checkAfterSecs", processing.checkAfterSecs ?? 1),
      inProgressSteps: nonNegative("processing.inProgressSteps", Math.floor(processing.inProgressSteps ?? 2))
    },
    limits: {
      image: positiveInt("limits.image", limits.image ?? 5_242_880),
      gif: positiveInt("limits.gif", limits.gif ?? 15_728_640),
      video: positiveInt("limits.video", limits.video ?? 536_870_912),
      maxChunkBytes: positiveInt("limits.maxChunkBytes", limits.maxChunkBytes ?? 5 * 1024 * 1024),
      maxSegments: positiveInt("limits.maxSegments", limits.maxSegments ?? 1000)
    },
    expiresAfterSecs: {
      init: {
        v1: nonNegative("expiresAfterSecs.init", expires.init ?? 3599),
        v2: nonNegative("expiresAfterSecs.init", expires.init ?? 1_295_999)
      },
      finalize: nonNegative("expiresAfterSecs.finalize", expires.finalize ?? 86_400)
    },
    rateLimits: {
      enforced: rateLimits !== undefined && rateLimits !== false,
      limits: typeof rateLimits === "object" ? { ...defaultRateLimits, ...rateLimits } : defaultRateLimits
    },
    timestampWindowSecs: nonNegative("timestampWindowSecs", options.timestampWindowSecs ?? 300),
    faults: options.faults ?? [],
    spillDir: options.spillDir
  }
}
