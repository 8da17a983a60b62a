import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { environmentLines } from "../src/Cli.ts"
import { Fault, startEmulator } from "../src/index.ts"
import { mp4Bytes, send, sha256, str, v1Post, v2Append, v2Finalize, v2Init, v2Status, withEmulator } from "./helpers.ts"

describe("what the emulator records", () => {
  it.live("every request: seq, method, path, dialect, step, media id, segment, times, auth, status, fault, body bytes", () =>
    withEmulator(
      { faults: [{ step: "APPEND", segmentIndex: 1, fault: Fault.httpError(503) }] },
      (emulator) =>
        Effect.gen(function*() {
          const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 20 })
          const id = str(init.json, "data", "id")
          yield* v2Append(emulator, id, 0, mp4Bytes(10))
          yield* v2Append(emulator, id, 1, mp4Bytes(10), "json")
          const requests = emulator.requests()
          expect(requests.map((r) => [r.seq, r.method, r.path, r.dialect, r.step, r.mediaId, r.segmentIndex])).toEqual([
            [1, "POST", "/2/media/upload/initialize", "v2", "INIT", undefined, undefined],
            [2, "POST", `/2/media/upload/${id}/append`, "v2", "APPEND", id, 0],
            [3, "POST", `/2/media/upload/${id}/append`, "v2", "APPEND", id, 1]
          ])
          expect(requests.map((r) => [r.auth, r.status, r.fault])).toEqual([
            ["oauth2", 200, undefined],
            ["oauth2", 200, undefined],
            ["oauth2", 503, "HttpError"]
          ])
          expect(requests[0]?.bodyBytes).toBe(JSON.stringify({ media_type: "video/mp4", total_bytes: 20 }).length)
          expect(requests[1]?.bodyBytes).toBeGreaterThan(10)
          expect(requests[1]?.contentType).toMatch(/^multipart\/form-data; boundary=/)
          expect(requests[2]?.error).toBe("Service Unavailable")
          for (const r of requests) {
            expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt)
            expect(r.dropped).toBe(false)
          }
          const status = yield* send(`${emulator.url}/2/media/upload?command=STATUS&media_id=${id}`)
          expect(status.status).toBe(401)
          expect(emulator.requests().at(-1)).toMatchObject({
            query: `command=STATUS&media_id=${id}`,
            step: "STATUS",
            mediaId: id,
            auth: "missing",
            status: 401
          })
        })
    ))

  it.live("the largest number of APPENDs in flight at once, per media", () =>
    withEmulator(
      { faults: [{ step: "APPEND", times: Infinity, fault: Fault.delay(80) }] },
      (emulator) =>
        Effect.gen(function*() {
          const parallel = str(
            (yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 60 })).json,
            "data",
            "id"
          )
          const serial = str((yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 60 })).json, "data", "id")
          yield* Effect.forEach([0, 1, 2, 3, 4, 5], (i) => v2Append(emulator, parallel, i, mp4Bytes(10)), {
            concurrency: 3
          })
          yield* Effect.forEach([0, 1, 2, 3, 4, 5], (i) => v2Append(emulator, serial, i, mp4Bytes(10)), {
            concurrency: 1
          })
          expect(emulator.media(parallel)?.maxConcurrentAppends).toBe(3)
          expect(emulator.media(parallel)?.appendRequests).toBe(6)
          expect(emulator.media(serial)?.maxConcurrentAppends).toBe(1)
        })
    ))

  it.live("media records: id, key, type, category, sizes, sha256, state", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const file = mp4Bytes(30)
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 30, media_category: "dm_video" })
        const id = str(init.json, "data", "id")
        expect(emulator.media(id)).toMatchObject({
          id,
          mediaKey: `7_${id}`,
          dialect: "v2",
          mediaType: "video/mp4",
          mediaCategory: "dm_video",
          category: "dm_video",
          kind: "video",
          totalBytes: 30,
          receivedBytes: 0,
          size: undefined,
          sha256: undefined,
          state: "uploading",
          processed: false
        })
        yield* v2Append(emulator, id, 0, file.subarray(0, 20))
        yield* v2Append(emulator, id, 1, file.subarray(20))
        yield* v2Finalize(emulator, id)
        expect(emulator.media(id)).toMatchObject({
          receivedBytes: 30,
          size: 30,
          sha256: sha256(file),
          state: "pending",
          processed: true
        })
        expect(emulator.media("42")).toBeUndefined()
        expect(emulator.allMedia().map((m) => m.id)).toEqual([id])
      })))

  it.live("segments are spilled to one file each and removed at FINALIZE; the spill directory goes at close", () =>
    Effect.gen(function*() {
      const root = mkdtempSync(join(tmpdir(), "x-media-emulator-test-"))
      const spillDirs = () => readdirSync(root)
      const segmentFiles = () => spillDirs().flatMap((dir) => readdirSync(join(root, dir)))
      yield* withEmulator({ spillDir: root }, (emulator) =>
        Effect.gen(function*() {
          expect(spillDirs()).toHaveLength(1)
          const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: 20 })
          const id = str(init.json, "data", "id")
          yield* v2Append(emulator, id, 0, mp4Bytes(10))
          yield* v2Append(emulator, id, 1, mp4Bytes(10))
          yield* v2Append(emulator, id, 1, mp4Bytes(10))
          expect(segmentFiles().sort()).toEqual([`${id}-0000.segment`, `${id}-0001.segment`])
          yield* v2Finalize(emulator, id)
          expect(segmentFiles()).toEqual([])
        }))
      expect(spillDirs()).toEqual([])
      rmSync(root, { recursive: true, force: true })
    }))

  it.live("multi-megabyte parts stream through to disk and hash correctly (default 5 MiB chunks)", () =>
    withEmulator({ processing: { enabled: false } }, (emulator) =>
      Effect.gen(function*() {
        const chunk = 5 * 1024 * 1024
        const file = mp4Bytes(2 * chunk + 12345)
        const init = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: file.length })
        const id = str(init.json, "data", "id")
        yield* Effect.forEach([0, 1, 2], (i) => v2Append(emulator, id, i, file.subarray(i * chunk, (i + 1) * chunk)), {
          concurrency: 3
        })
        const finalize = yield* v2Finalize(emulator, id)
        expect(finalize.status).toBe(200)
        expect(emulator.media(id)?.sha256).toBe(sha256(file))
        const over = yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: chunk + 1 })
        const overId = str(over.json, "data", "id")
        const tooBig = yield* v2Append(emulator, overId, 0, mp4Bytes(chunk + 1))
        expect(tooBig.status).toBe(413)
      })))

  it.live("reset() forgets requests and media; the clock is controllable", () =>
    withEmulator({}, (emulator) =>
      Effect.gen(function*() {
        const init = yield* v1Post(emulator, [["command", "INIT"], ["media_type", "image/png"], ["total_bytes", "1"]])
        const id = str(init.json, "media_id_string")
        const before = emulator.now()
        emulator.advanceClock(60_000)
        expect(emulator.now() - before).toBeGreaterThanOrEqual(60_000)
        emulator.reset()
        expect(emulator.requests()).toEqual([])
        expect(emulator.allMedia()).toEqual([])
        const gone = yield* v2Status(emulator, id)
        expect(gone.status).toBe(400)
      })))

  it.live("startEmulator for non-Effect code: a running server until close()", () =>
    Effect.gen(function*() {
      const emulator = yield* Effect.promise(() => startEmulator({ auth: false }))
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const answer = yield* v2Init(emulator, { media_type: "image/png", total_bytes: 1 })
      expect(answer.status).toBe(200)
      yield* Effect.promise(() => emulator.close())
      const after = yield* Effect.exit(v2Init(emulator, { media_type: "image/png", total_bytes: 1 }))
      expect(Exit.isFailure(after)).toBe(true)
    }))

  it.live("the bin's NAME=value lines", () =>
    withEmulator({
      credentials: {
        consumerKey: "ck",
        consumerSecret: "cs",
        accessToken: "at",
        accessTokenSecret: "ats",
        oauth2Token: "o2"
      }
    }, (emulator) =>
      Effect.sync(() => {
        expect(environmentLines(emulator)).toEqual([
          `X_MEDIA_BASE_URL=${emulator.url}`,
          "X_API_KEY=ck",
          "X_API_SECRET=cs",
          "X_ACCESS_TOKEN=at",
          "X_ACCESS_TOKEN_SECRET=ats",
          "X_OAUTH2_ACCESS_TOKEN=o2"
        ])
      })))
})
