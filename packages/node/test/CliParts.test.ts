import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Errors, MediaId, MediaStatus, Progress, UploadSession } from "@x-media/core"
import { ConfigProvider, Duration, Effect, Option } from "effect"
import { existsSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as ClientSettings from "../src/cli/ClientSettings.ts"
import * as Output from "../src/cli/Output.ts"
import type * as ProgressView from "../src/cli/ProgressView.ts"
import * as SessionFile from "../src/cli/SessionFile.ts"
import * as UploadFlags from "../src/cli/UploadFlags.ts"
import { tempDir } from "./support/Cli.ts"
import { drawn } from "./support/StderrRecorder.ts"

const mediaId = MediaId.makeMediaId("1880028106020515840")
const expiresAt = new Date("2030-01-01T00:00:00.000Z")
const E = Progress.UploadEvent

const events: ReadonlyArray<Progress.UploadEvent> = [
  E.Planned({
    source: "clip.mp4",
    totalBytes: 10_000,
    mediaType: "video/mp4",
    category: "tweet_video",
    chunkSize: 4096,
    segmentCount: 3,
    oneRequest: false
  }),
  E.Initialized({ mediaId, expiresAt, resumed: false, bytesAlreadySent: 0 }),
  E.SegmentSent({
    mediaId,
    segmentIndex: 0,
    segmentBytes: 4096,
    bytesSent: 4096,
    totalBytes: 10_000,
    segmentsSent: 1,
    segmentCount: 3
  }),
  E.Retrying({ step: "APPEND", segmentIndex: 2, attempt: 2, maxAttempts: 5, delayMillis: 500, reason: "503" }),
  E.SegmentSent({
    mediaId,
    segmentIndex: 1,
    segmentBytes: 4096,
    bytesSent: 8192,
    totalBytes: 10_000,
    segmentsSent: 2,
    segmentCount: 3
  }),
  E.SegmentSent({
    mediaId,
    segmentIndex: 2,
    segmentBytes: 1808,
    bytesSent: 10_000,
    totalBytes: 10_000,
    segmentsSent: 3,
    segmentCount: 3
  }),
  E.Finalized({ status: new MediaStatus.Processing({ mediaId, expiresAt, state: "pending", checkAfterSecs: 1 }) }),
  E.ProcessingUpdate({ mediaId, state: "pending", checkAfterSecs: 1 }),
  E.ProcessingUpdate({ mediaId, state: "in_progress", progressPercent: 40, checkAfterSecs: 1 }),
  E.ProcessingUpdate({ mediaId, state: "in_progress", progressPercent: 40, checkAfterSecs: 1 }),
  E.Ready({ mediaId, expiresAt })
]

const show = (terminal: boolean, options: ProgressView.Options = {}, term?: string) =>
  drawn(events, terminal, options, term)

describe("ProgressView", () => {
  it.effect("without a terminal: one plain line per phase, no control characters", () =>
    Effect.gen(function*() {
      const text = yield* show(false)
      expect(text.split("\n")).toEqual([
        "Planned: clip.mp4, 9.8 KiB, video/mp4 (tweet_video), in 3 segments of 4.0 KiB.",
        "Initialized media 1880028106020515840; X keeps the unfinished upload open until 2030-01-01T00:00:00.000Z.",
        "Retrying APPEND of segment 2 in 0.5 s (attempt 2 of 5): 503",
        expect.stringMatching(/^Upload done: 9\.8 KiB in \d+\.\d s \(.+\)\.$/),
        "Finalized: X is processing the media (pending).",
        "Processing: in_progress 40%.",
        "Ready: media 1880028106020515840 can be attached to a post until it expires at 2030-01-01T00:00:00.000Z.",
        ""
      ])
    }))

  it.effect("TERM=dumb gets plain lines even on a terminal; a label names the file on every line", () =>
    Effect.gen(function*() {
      const dumb = yield* show(true, {}, "dumb")
      expect(dumb).not.toContain("\x1b[")
      const labelled = yield* show(true, { label: "b.mp4", animate: false })
      expect(labelled).not.toContain("\x1b[")
      for (const line of labelled.trimEnd().split("\n")) expect(line).toMatch(/^b\.mp4: /)
    }))

  it.effect("on a terminal: bars redrawn in place, finished lines above them, ending on a fresh line", () =>
    Effect.gen(function*() {
      const text = yield* show(true)
      expect(text).toContain("\r\x1b[2KUploading [")
      expect(text).toContain("\r\x1b[2KProcessing [")
      expect(text).toMatch(/Processing \[█+░+\]  40%  in_progress, next check in 1 s/)
      expect(text).toContain("\r\x1b[2KReady: media 1880028106020515840")
      expect(text.endsWith("\n")).toBe(true)
      const lastLine = text.slice(text.lastIndexOf("\r\x1b[2K") + 5)
      expect(lastLine).toBe(
        "Ready: media 1880028106020515840 can be attached to a post until it expires at 2030-01-01T00:00:00.000Z.\n"
      )
    }))
})

const session = (segmentsDone: ReadonlyArray<number>, finalized = false) =>
  new UploadSession.UploadSession({
    version: 1,
    fingerprint: "0".repeat(64),
    mediaId,
    dialect: "v2",
    baseUrl: "http://127.0.0.1:1",
    source: "clip.mp4",
    totalBytes: 10_000,
    mediaType: "video/mp4",
    category: "tweet_video",
    chunkSize: 4096,
    segmentCount: 3,
    segmentsDone,
    expiresAt,
    finalized
  })

describe("SessionFile", () => {
  it.live("saves atomically, never goes back to an older session, loads and removes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "s.json")
      const warnings: Array<string> = []
      const file = yield* SessionFile.make(path, (detail) => Effect.sync(() => void warnings.push(detail)))
      expect(yield* file.load).toEqual(Option.none())
      yield* Effect.all([file.save(session([0])), file.save(session([0, 1])), file.save(session([0, 2]))], {
        concurrency: "unbounded"
      })
      yield* file.save(session([0]))
      const loaded = yield* file.load
      expect(Option.getOrThrow(loaded).segmentsDone.length).toBe(2)
      yield* file.save(session([0, 1, 2], true))
      expect(Option.getOrThrow(yield* file.load).finalized).toBe(true)
      expect(readdirSync(dir)).toEqual(["s.json"])
      yield* file.remove
      expect(existsSync(path)).toBe(false)
      yield* file.remove
      expect(warnings).toEqual([])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.live("a file that is not a session is a UsageError; a failed save is a warning, not a failure", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "s.json")
      writeFileSync(path, "{\"mediaId\": 12}")
      const warnings: Array<string> = []
      const file = yield* SessionFile.make(path, (detail) => Effect.sync(() => void warnings.push(detail)))
      const error = yield* Effect.flip(file.load)
      expect(error).toMatchObject({
        _tag: "UsageError",
        message: `${path} is not an x-media upload session. Delete it, or give --session another path.`
      })
      const unwritable = yield* SessionFile.make(
        join(dir, "missing-dir", "s.json"),
        (detail) => Effect.sync(() => void warnings.push(detail))
      )
      yield* unwritable.save(session([0]))
      expect(warnings).toEqual([expect.stringContaining("Could not save the upload session to")])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("Output", () => {
  it("errorJson: tag, message, then the error's fields; dates as ISO 8601", () => {
    const error = new Errors.MediaExpired({ mediaId: "42", expiresAt: new Date(0), step: "APPEND" })
    expect(JSON.parse(JSON.stringify(Output.errorJson(error)))).toEqual({
      error: {
        _tag: "MediaExpired",
        message:
          "Media 42 expired at 1970-01-01T00:00:00.000Z (APPEND); it cannot be used any more. Upload the file again.",
        mediaId: "42",
        expiresAt: "1970-01-01T00:00:00.000Z",
        step: "APPEND"
      }
    })
  })

  it("statusJson: X's spelling of a processing status", () => {
    const status = new MediaStatus.Processing({
      mediaId,
      expiresAt,
      state: "in_progress",
      progressPercent: 40,
      checkAfterSecs: 2
    })
    expect(Output.statusJson(status)).toEqual({
      media_id: "1880028106020515840",
      media_key: null,
      state: "in_progress",
      progress_percent: 40,
      check_after_secs: 2,
      expires_at: "2030-01-01T00:00:00.000Z"
    })
  })
})

const withEnv = (env: Record<string, string>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(effect, ConfigProvider.layer(ConfigProvider.fromUnknown(env)))

const flag = (name: string, value: string) => Option.some({ from: `--${name}`, value })
const variable = (name: string, value: string) => Option.some({ from: name, value })

describe("ClientSettings: every value checked, and named by where it came from", () => {
  it.effect("the dialect: v1 or v2 from the flag or the variable; blank is the default; a bad one is named", () =>
    Effect.gen(function*() {
      expect(yield* ClientSettings.resolveDialect(flag("api", "v1"))).toBe("v1")
      expect(yield* ClientSettings.resolveDialect(variable("X_MEDIA_API", " v1 "))).toBe("v1")
      expect(yield* ClientSettings.resolveDialect(variable("X_MEDIA_API", " "))).toBe("v2")
      expect(yield* ClientSettings.resolveDialect(Option.none())).toBe("v2")
      const bad = yield* Effect.flip(ClientSettings.resolveDialect(variable("X_MEDIA_API", "v3")))
      expect(bad).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_API", value: "v3" })
    }))

  it.effect("the base URL: checked, and its error names the flag or the variable", () =>
    Effect.gen(function*() {
      expect(yield* ClientSettings.resolveBaseUrl(flag("base-url", "http://127.0.0.1:8080/"))).toBe(
        "http://127.0.0.1:8080"
      )
      expect(yield* Effect.flip(ClientSettings.resolveBaseUrl(variable("X_MEDIA_BASE_URL", "not a url"))))
        .toMatchObject({ option: "X_MEDIA_BASE_URL" })
      expect(yield* Effect.flip(ClientSettings.resolveBaseUrl(flag("base-url", "http://h/path")))).toMatchObject({
        option: "--base-url",
        detail: "give only scheme://host[:port], without a path or query"
      })
      expect(yield* ClientSettings.resolveBaseUrl(Option.none())).toBeUndefined()
    }))

  it.effect("the idle timeout is in seconds: 30 is 30 s; zero, negative or not a number is refused", () =>
    Effect.gen(function*() {
      const timeout = yield* ClientSettings.resolveTimeout(flag("timeout", "30"))
      expect(timeout === undefined ? undefined : Duration.toMillis(timeout)).toBe(30_000)
      const half = yield* ClientSettings.resolveTimeout(variable("X_MEDIA_TIMEOUT", "0.5"))
      expect(half === undefined ? undefined : Duration.toMillis(half)).toBe(500)
      for (const value of ["0", "-1", "abc"]) {
        expect(yield* Effect.flip(ClientSettings.resolveTimeout(variable("X_MEDIA_TIMEOUT", value)))).toMatchObject({
          option: "X_MEDIA_TIMEOUT",
          value
        })
      }
    }))

  it.effect("the rate-limit wait is in seconds: 0 never waits, blank is the default, negative is refused", () =>
    Effect.gen(function*() {
      const millis = (d: Duration.Duration | undefined) => (d === undefined ? undefined : Duration.toMillis(d))
      expect(millis(yield* ClientSettings.resolveMaxRateLimitWait(flag("max-rate-limit-wait", "0")))).toBe(0)
      expect(millis(yield* ClientSettings.resolveMaxRateLimitWait(flag("max-rate-limit-wait", "2.5")))).toBe(2500)
      const blank = variable("X_MEDIA_MAX_RATE_LIMIT_WAIT", " ")
      expect(yield* ClientSettings.resolveMaxRateLimitWait(blank)).toBeUndefined()
      for (const value of ["-1", "soon", "Infinity"]) {
        expect(yield* Effect.flip(ClientSettings.resolveMaxRateLimitWait(flag("max-rate-limit-wait", value))))
          .toMatchObject({ option: "--max-rate-limit-wait", value })
      }
    }))

  it.effect("--auth asks for one scheme and says what is missing for it", () =>
    Effect.gen(function*() {
      const oauth1 = withEnv({ X_API_KEY: "k", X_API_SECRET: "s", X_ACCESS_TOKEN: "t", X_ACCESS_TOKEN_SECRET: "ts" })
      expect((yield* ClientSettings.loadCredentials(Option.none()).pipe(oauth1))._tag).toBe("OAuth1")
      const missing = yield* Effect.flip(ClientSettings.loadCredentials(Option.some("oauth2")).pipe(oauth1))
      expect(missing).toMatchObject({ _tag: "MissingCredentials", missing: ["X_OAUTH2_ACCESS_TOKEN"] })
      const both = withEnv({
        X_API_KEY: "k",
        X_API_SECRET: "s",
        X_ACCESS_TOKEN: "t",
        X_ACCESS_TOKEN_SECRET: "ts",
        X_OAUTH2_ACCESS_TOKEN: "o"
      })
      expect((yield* ClientSettings.loadCredentials(Option.some("oauth2")).pipe(both))._tag).toBe("OAuth2")
    }))

  it.effect("with --auth, what is missing is said for that scheme only (no advice that contradicts the flag)", () =>
    Effect.gen(function*() {
      // --auth oauth2 with a partial OAuth 1.0a set: the token, not the other three OAuth 1.0a variables.
      const partial = withEnv({ X_API_KEY: "k" })
      const oauth2 = yield* Effect.flip(ClientSettings.loadCredentials(Option.some("oauth2")).pipe(partial))
      expect(oauth2).toMatchObject({ missing: ["X_OAUTH2_ACCESS_TOKEN"] })
      expect(oauth2.message).not.toContain("X_API_SECRET")
      // --auth oauth1 with a partial set and a token: the missing OAuth 1.0a ones, not "unset them".
      const partialAndToken = withEnv({ X_API_KEY: "k", X_API_SECRET: "s", X_OAUTH2_ACCESS_TOKEN: "o" })
      const oauth1 = yield* Effect.flip(ClientSettings.loadCredentials(Option.some("oauth1")).pipe(partialAndToken))
      expect(oauth1).toMatchObject({ missing: ["X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"] })
      expect(oauth1.message).toContain(
        "--auth oauth1 needs all four OAuth 1.0a variables; X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET are not set."
      )
      expect(oauth1.message).not.toMatch(/unset/)
      // Nothing set: all four.
      const none = yield* Effect.flip(ClientSettings.loadCredentials(Option.some("oauth1")).pipe(withEnv({})))
      expect(none.missing).toEqual(["X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"])
    }))

  it.effect("--emulator brings its own URL and credentials; --base-url next to it is a usage error", () =>
    Effect.gen(function*() {
      const target = {
        url: "http://127.0.0.1:1234",
        credentials: {
          consumerKey: "a",
          consumerSecret: "b",
          accessToken: "c",
          accessTokenSecret: "d",
          oauth2Token: "e"
        }
      }
      const flags = {
        api: Option.none(),
        baseUrl: variable("X_MEDIA_BASE_URL", "http://elsewhere:1"),
        auth: Option.some("oauth2" as const),
        timeout: Option.none(),
        maxRateLimitWait: Option.none()
      }
      const settings = yield* ClientSettings.resolve(flags, target)
      expect({ baseUrl: settings.baseUrl, scheme: settings.credentials._tag }).toEqual({
        baseUrl: target.url,
        scheme: "OAuth2"
      })
      const conflict = yield* Effect.flip(
        ClientSettings.resolve({ ...flags, baseUrl: flag("base-url", "http://x:1") }, target)
      )
      expect(conflict._tag).toBe("UsageError")
    }))
})

describe("UploadFlags", () => {
  it.effect("--max-wait is in seconds: 30 is 30 s, not 30 ms", () =>
    Effect.gen(function*() {
      const maxWait = yield* UploadFlags.maxWaitDuration(Option.some("30"))
      expect(maxWait === undefined ? undefined : Duration.toMillis(maxWait)).toBe(30_000)
      const half = yield* UploadFlags.maxWaitDuration(Option.some("0.5"))
      expect(half === undefined ? undefined : Duration.toMillis(half)).toBe(500)
      expect(yield* UploadFlags.maxWaitDuration(Option.none())).toBeUndefined()
    }))
})
