/**
 * What the emulator can be told when it starts (`EmulatorOptions`), and the fully resolved
 * configuration every other module reads (`EmulatorConfig`): defaults filled in, credentials
 * generated when not given.
 *
 * @module
 */
import type { FaultRule } from "./Faults.ts"
import { resolveUsers } from "./Users.ts"

/** The two API dialects the emulator serves on one port: `v1` (`/1.1/media/upload.json`) and `v2` (`/2/media/...`). */
export type Dialect = "v1" | "v2"

/**
 * What a request does, one name per endpoint; each step is its own rate-limit group and fault target.
 * - `INIT`, `APPEND`, `FINALIZE`, `STATUS`: the chunked upload, in both dialects.
 * - `UPLOAD`: the whole media in one request: `POST /2/media/upload` (v2's one-shot upload), or
 *   `POST /1.1/media/upload.json` without a `command` (v1.1's simple upload).
 * - `METADATA`: `POST /1.1/media/metadata/create.json` or `POST /2/media/metadata`.
 * - `SUBTITLES_CREATE`, `SUBTITLES_DELETE`: `POST` and `DELETE /2/media/subtitles`.
 * - `POST`: creating a post, `POST /2/tweets`.
 */
export type Step =
  | "INIT"
  | "APPEND"
  | "FINALIZE"
  | "STATUS"
  | "UPLOAD"
  | "METADATA"
  | "SUBTITLES_CREATE"
  | "SUBTITLES_DELETE"
  | "POST"

/** Every step, in protocol order. */
export const steps: ReadonlyArray<Step> = [
  "INIT",
  "APPEND",
  "FINALIZE",
  "STATUS",
  "UPLOAD",
  "METADATA",
  "SUBTITLES_CREATE",
  "SUBTITLES_DELETE",
  "POST"
]

/** The credentials of one user: the app's OAuth 1.0a consumer, the user's access token, and an OAuth 2.0 user token. */
export interface EmulatorCredentials {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly accessToken: string
  readonly accessTokenSecret: string
  readonly oauth2Token: string
}

/** One user the emulator serves: a numeric id (as X's user ids, a string of digits), credentials and scopes. */
export interface EmulatorUser {
  /** The user id, 1 to 19 digits; media ownership, `additional_owners` and posts refer to it. */
  readonly id: string
  readonly credentials: EmulatorCredentials
  /** The scopes the user's OAuth 2.0 token was granted. */
  readonly oauth2Scopes: ReadonlyArray<string>
}

/**
 * A user to serve. Every field is optional: the consumer key and secret default to the app's (the top-level
 * `credentials`), the access token to `<id>-<random>`, secrets and the OAuth 2.0 token to random ones, the id
 * to the digits before `-` in a given access token, else a random one.
 */
export interface EmulatorUserOptions {
  readonly id?: string
  readonly credentials?: Partial<EmulatorCredentials>
  /** Default: the top-level `oauth2Scopes`. */
  readonly oauth2Scopes?: ReadonlyArray<string>
}

/**
 * Rate-limit numbers per step and the window they apply to. Any step not given keeps X's number
 * (`defaultRateLimits`); `windowMillis` defaults to X's 15 minutes.
 */
export interface RateLimitOptions extends Partial<Record<Step, number>> {
  readonly windowMillis?: number
}

/** A slow uplink: request bodies of all connections together are read at most this fast. */
export interface Throttle {
  readonly bytesPerSecond: number
}

/** Options of `Emulator.layer` / `startEmulator`. Every field is optional. */
export interface EmulatorOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string
  /** Port to listen on; `0` (the default) picks a free port. */
  readonly port?: number
  /**
   * The first user's credentials; any field not given is generated randomly (read them back from the handle).
   * Its consumer key and secret are the app's, shared by every user unless a user says otherwise.
   */
  readonly credentials?: Partial<EmulatorCredentials>
  /**
   * The users to serve: a count (default 1) or one entry per user. The first user also takes `credentials`
   * (its own entry winning field by field). Each user has its own access token, OAuth 2.0 token, media and
   * rate-limit windows.
   */
  readonly users?: number | ReadonlyArray<EmulatorUserOptions>
  /**
   * Verify OAuth 1.0a signatures and OAuth 2.0 bearer tokens. Default `true`; `false` accepts any request, as
   * the first user.
   */
  readonly auth?: boolean
  /**
   * Scopes granted to the OAuth 2.0 tokens unless a user says otherwise. Default
   * `["media.write", "tweet.read", "tweet.write", "users.read", "offline.access"]`. Media endpoints need
   * `media.write`; `POST /2/tweets` needs `tweet.write`.
   */
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
   * Per-user, per-step fixed-window rate limits on the emulator clock. The `x-rate-limit-*` headers are always
   * sent; `true` enforces X's numbers (`defaultRateLimits`) over 15 minutes with 429 code 88; an object
   * enforces the numbers it gives (other steps keep X's) over `windowMillis` (default 15 minutes), for example
   * `{ APPEND: 20, windowMillis: 2000 }`. Default: not enforced.
   */
  readonly rateLimits?: boolean | RateLimitOptions
  /** Reads every request body, all connections together, at most this fast (one slow uplink). Default: unthrottled. */
  readonly throttle?: Throttle
  /** Posts (`POST /2/tweets`): `maxTextLength`, the largest weighted text length (default 280, as X counts it). */
  readonly posts?: { readonly maxTextLength?: number }
  /** Largest accepted difference between `oauth_timestamp` and the real time, in seconds. Default 300. */
  readonly timestampWindowSecs?: number
  /** Fault rules active from the start (see `FaultRule`); change them later with `setFaults`. */
  readonly faults?: ReadonlyArray<FaultRule>
  /** Directory under which the per-run spill directory (one file per segment) is created. Default: the OS temp dir. */
  readonly spillDir?: string
}

/** X's per-user limits per 15 minutes (docs.x.com rate-limit table: media endpoints §2.5, `POST /2/tweets` 100). */
export const defaultRateLimits: Readonly<Record<Step, number>> = {
  INIT: 1875,
  APPEND: 1875,
  FINALIZE: 1875,
  STATUS: 1000,
  UPLOAD: 500,
  METADATA: 500,
  SUBTITLES_CREATE: 100,
  SUBTITLES_DELETE: 100,
  POST: 100
}

/** X's rate-limit window: 15 minutes. */
export const defaultRateLimitWindowMillis = 15 * 60 * 1000

/** `EmulatorOptions` with every default applied. */
export interface EmulatorConfig {
  readonly host: string
  readonly port: number
  /** The users served, the first one first. */
  readonly users: readonly [EmulatorUser, ...Array<EmulatorUser>]
  readonly auth: boolean
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
  readonly rateLimits: {
    readonly enforced: boolean
    readonly limits: Readonly<Record<Step, number>>
    readonly windowMillis: number
  }
  readonly throttle: Throttle | undefined
  readonly posts: { readonly maxTextLength: number }
  readonly timestampWindowSecs: number
  readonly faults: ReadonlyArray<FaultRule>
  readonly spillDir: string | undefined
}

const nonNegative = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`)
  return value
}

const positiveInt = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number >= 1, got ${value}`)
  }
  return value
}

const positive = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${value}`)
  return value
}

/** Checks a throttle (`bytesPerSecond` a finite number > 0); throws a `RangeError` otherwise. */
export const checkThrottle = (throttle: Throttle | undefined): Throttle | undefined =>
  throttle === undefined ? undefined : { bytesPerSecond: positive("throttle.bytesPerSecond", throttle.bytesPerSecond) }

const resolveRateLimits = (option: EmulatorOptions["rateLimits"]): EmulatorConfig["rateLimits"] => {
  if (option === undefined || option === false) {
    return { enforced: false, limits: defaultRateLimits, windowMillis: defaultRateLimitWindowMillis }
  }
  if (option === true) return { enforced: true, limits: defaultRateLimits, windowMillis: defaultRateLimitWindowMillis }
  const limits: Record<Step, number> = { ...defaultRateLimits }
  for (const step of steps) {
    const given = option[step]
    if (given !== undefined) limits[step] = positiveInt(`rateLimits.${step}`, given)
  }
  return {
    enforced: true,
    limits,
    windowMillis: positive("rateLimits.windowMillis", option.windowMillis ?? defaultRateLimitWindowMillis)
  }
}

/**
 * Applies the defaults to `options`. Throws a `RangeError` for a nonsensical number (negative limits and so
 * on): those are programming errors in a test, not conditions to recover from.
 */
export const resolveOptions = (options: EmulatorOptions = {}): EmulatorConfig => {
  const limits = options.limits ?? {}
  const processing = options.processing ?? {}
  const expires = options.expiresAfterSecs ?? {}
  return {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    users: resolveUsers(options),
    auth: options.auth ?? true,
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
    rateLimits: resolveRateLimits(options.rateLimits),
    throttle: checkThrottle(options.throttle),
    posts: { maxTextLength: positiveInt("posts.maxTextLength", options.posts?.maxTextLength ?? 280) },
    timestampWindowSecs: nonNegative("timestampWindowSecs", options.timestampWindowSecs ?? 300),
    faults: options.faults ?? [],
    spillDir: options.spillDir
  }
}
