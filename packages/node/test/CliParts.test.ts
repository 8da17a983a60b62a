import { existsSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Errors, MediaId, MediaStatus, Progress, UploadSession } from "@x-media/core"
import { ConfigProvider, Duration, Effect, Option } from "effect"
import * as ClientSettings from "../src/cli/ClientSettings.ts"
import type { IoShape } from "../src/cli/Io.ts"
import * as Output from "../src/cli/Output.ts"
import * as ProgressView from "../src/cli/ProgressView.ts"
import * as SessionFile from "../src/cli/SessionFile.ts"
import * as UploadFlags from "../src/cli/UploadFlags.ts"
import { tempDir } from "./support/Cli.ts"

const recorder = (terminal: boolean) => {
  const err: Array<string> = []
  const io: IoShape = {
    out: () => Effect.void,
    err: (text) => Effect.sync(() => void err.push(text)),
    errIsTerminal: terminal,
    columns: () => 100
  }
  return { io, text: () => err.join("") }
}

const mediaId = MediaId.makeMediaId("1880028106020515840")
const expiresAt = new Date("2030-01-01T00:00:00.000Z")
const E = Progress.UploadEvent

const events: ReadonlyArray<Progress.UploadEvent> = [
  E.Planned({ source: "clip.mp4", totalBytes: 10_000, mediaType: "video/mp4", category: "tweet_video", chunkSize: 4096, segmentCount: 3 }),
  E.Initialized({ mediaId, expiresAt, resumed: false, bytesAlreadySent: 0 }),
  E.SegmentSent({ mediaId, segmentIndex: 0, segmentBytes: 4096, bytesSent: 4096, totalBytes: 10_000, segmentsSent: 1, segmentCount: 3 }),
  E.Retrying({ step: "APPEND", segmentIndex: 2, attempt: 2, maxAttempts: 5, delayMillis: 500, reason: "503" }),
  E.SegmentSent({ mediaId, segmentIndex: 1, segmentBytes: 4096, bytesSent: 8192, totalBytes: 10_000, segmentsSent: 2, segmentCount: 3 }),
  E.SegmentSent({ mediaId, segmentIndex: 2, segmentBytes: 1808, bytesSent: 10_000, totalBytes: 10_000, segmentsSent: 3, segmentCount: 3 }),
  E.Finalized({ status: new MediaStatus.Processing({ mediaId, expiresAt, state: "pending", checkAfterSecs: 1 }) }),
  E.ProcessingUpdate({ mediaId, state: "pending", checkAfterSecs: 1 }),
  E.ProcessingUpdate({ mediaId, state: "in_progress", progressPercent: 40, checkAfterSecs: 1 }),
  E.ProcessingUpdate({ mediaId, state: "in_progress", progressPercent: 40, checkAfterSecs: 1 }),
  E.Ready({ mediaId, expiresAt })
]

const show = (terminal: boolean) =>
  Effect.gen(function*() {
    const { io, text } = recorder(terminal)
    const view = yield* ProgressView.make(io)
    for (const event of events) yield* view.listener(event)
    yield* view.settle
    return text()
  })

describe("ProgressView", () => {
  it.effect("without a terminal: one plain line per phase, no control characters", () =>
    Effect.gen(function*() {
      const text = yield* show(false)
      expect(text.split("\n")).toEqual([
        "Planned: clip.mp4, 9.8 KiB, video/mp4 (tweet_video), in 3 segments of 4.0 KiB.",
        "Initialized media 1880028106020515840 (finish by 2030-01-01T00:00:00.000Z).",
        "Retrying APPEND of segment 2 in 0.5 s (attempt 2): 503",
        expect.stringMatching(/^Upload done: 9\.8 KiB in \d+\.\d s \(.+\)\.$/),
        "Finalized: X is processing the media (pending).",
        "Processing: in_progress 40%.",
        "Ready: media 1880028106020515840 can be posted until 2030-01-01T00:00:00.000Z.",
        ""
      ])
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
      expect(lastLine).toBe("Ready: media 1880028106020515840 can be posted until 2030-01-01T00:00:00.000Z.\n")
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
      yield* Effect.all([file.save(session([0])), file.save(session([0, 1])), file.save(session([0, 2]))], { concurrency: "unbounded" })
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
      expect(error).toMatchObject({ _tag: "UsageError", message: `${path} is not an x-media upload session. Delete it, or give --session another path.` })
      const unwritable = yield* SessionFile.make(join(dir, "missing-dir", "s.json"), (detail) => Effect.sync(() => void warnings.push(detail)))
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
        message: "Media 42 expired at 1970-01-01T00:00:00.000Z (APPEND); it cannot be used any more. Upload the file again.",
        mediaId: "42",
        expiresAt: "1970-01-01T00:00:00.000Z",
        step: "APPEND"
      }
    })
  })

  it("statusJson: X's spelling of a processing status", () => {
    const status = new MediaStatus.Processing({ mediaId, expiresAt, state: "in_progress", progressPercent: 40, checkAfterSecs: 2 })
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

const withEnv = (env: Record<string, string>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, ConfigProvider.layer(ConfigProvider.fromUnknown(env)))

describe("ClientSettings: flags over the environment, everything checked", () => {
  it.effect("--api wins and X_MEDIA_API is then not even read; alone, a bad X_MEDIA_API is named", () =>
    Effect.gen(function*() {
      expect(yield* ClientSettings.resolveDialect(Option.some("v1")).pipe(withEnv({ X_MEDIA_API: "v3" }))).toBe("v1")
      expect(yield* ClientSettings.resolveDialect(Option.none()).pipe(withEnv({ X_MEDIA_API: "v1" }))).toBe("v1")
      expect(yield* ClientSettings.resolveDialect(Option.none()).pipe(withEnv({}))).toBe("v2")
      const bad = yield* Effect.flip(ClientSettings.resolveDialect(Option.none()).pipe(withEnv({ X_MEDIA_API: "v3" })))
      expect(bad).toMatchObject({ _tag: "InvalidOption", option: "X_MEDIA_API", value: "v3" })
    }))

  it.effect("--base-url wins over X_MEDIA_BASE_URL; each is checked and named in its error", () =>
    Effect.gen(function*() {
      const env = withEnv({ X_MEDIA_BASE_URL: "not a url" })
      expect(yield* ClientSettings.resolveBaseUrl(Option.some("http://127.0.0.1:8080/")).pipe(env)).toBe("http://127.0.0.1:8080")
      expect(yield* Effect.flip(ClientSettings.resolveBaseUrl(Option.none()).pipe(env))).toMatchObject({ option: "X_MEDIA_BASE_URL" })
      expect(yield* Effect.flip(ClientSettings.resolveBaseUrl(Option.some("http://h/path")).pipe(env))).toMatchObject({
        option: "--base-url",
        detail: "give only scheme://host[:port], without a path or query"
      })
      expect(yield* ClientSettings.resolveBaseUrl(Option.none()).pipe(withEnv({}))).toBeUndefined()
    }))

  it.effect("--auth asks for one scheme and says what is missing for it", () =>
    Effect.gen(function*() {
      const oauth1 = withEnv({ X_API_KEY: "k", X_API_SECRET: "s", X_ACCESS_TOKEN: "t", X_ACCESS_TOKEN_SECRET: "ts" })
      expect((yield* ClientSettings.loadCredentials(Option.none()).pipe(oauth1))._tag).toBe("OAuth1")
      const missing = yield* Effect.flip(ClientSettings.loadCredentials(Option.some("oauth2")).pipe(oauth1))
      expect(missing).toMatchObject({ _tag: "MissingCredentials", missing: ["X_OAUTH2_ACCESS_TOKEN"] })
      const both = withEnv({ X_API_KEY: "k", X_API_SECRET: "s", X_ACCESS_TOKEN: "t", X_ACCESS_TOKEN_SECRET: "ts", X_OAUTH2_ACCESS_TOKEN: "o" })
      expect((yield* ClientSettings.loadCredentials(Option.some("oauth2")).pipe(both))._tag).toBe("OAuth2")
    }))

  it.effect("--emulator brings its own URL and credentials; --base-url next to it is a usage error", () =>
    Effect.gen(function*() {
      const target = {
        url: "http://127.0.0.1:1234",
        credentials: { consumerKey: "a", consumerSecret: "b", accessToken: "c", accessTokenSecret: "d", oauth2Token: "e" }
      }
      const flags = { api: Option.none(), baseUrl: Option.none(), auth: Option.some("oauth2" as const) }
      const settings = yield* ClientSettings.resolve(flags, target).pipe(withEnv({ X_MEDIA_BASE_URL: "http://elsewhere:1" }))
      expect({ baseUrl: settings.baseUrl, scheme: settings.credentials._tag }).toEqual({ baseUrl: target.url, scheme: "OAuth2" })
      const conflict = yield* Effect.flip(ClientSettings.resolve({ ...flags, baseUrl: Option.some("http://x:1") }, target).pipe(withEnv({})))
      expect(conflict._tag).toBe("UsageError")
    }))
})

describe("UploadFlags", () => {
  it.effect("--max-wait is in seconds: 30 is 30 s, not 30 ms", () =>
    Effect.gen(function*() {
      const maxWait = yield* UploadFlags.maxWaitDuration(Option.some(30))
      expect(maxWait === undefined ? undefined : Duration.toMillis(maxWait)).toBe(30_000)
      const half = yield* UploadFlags.maxWaitDuration(Option.some(0.5))
      expect(half === undefined ? undefined : Duration.toMillis(half)).toBe(500)
      expect(yield* UploadFlags.maxWaitDuration(Option.none())).toBeUndefined()
    }))
})
