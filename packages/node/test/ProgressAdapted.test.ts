import { describe, expect, it } from "@effect/vitest"
import { Errors, MediaId, Progress } from "@x-media/core"
import { Effect } from "effect"
import * as ProgressView from "../src/cli/ProgressView.ts"
import * as Report from "../src/cli/Report.ts"
import { recorder } from "./support/StderrRecorder.ts"

describe("ProgressView: a slow link", () => {
  it.effect("Adapted says which segment got no answer, what the upload does now, and which flags change it", () =>
    Effect.gen(function*() {
      const { layer, text } = recorder(false)
      yield* Effect.gen(function*() {
        const view = yield* ProgressView.make({})
        yield* view.listener(Progress.UploadEvent.Adapted({
          reason: "timedOut",
          mediaId: MediaId.makeMediaId("1880028106020515840"),
          segmentIndex: 3,
          waitedMillis: 61_200,
          idleTimeoutMillis: 60_000,
          concurrency: 2,
          chunkSize: 1024 * 1024,
          timeoutsInARow: 1,
          maxTimeoutsInARow: 3
        }))
        yield* view.settle
      }).pipe(Effect.provide(layer))
      expect(text()).toBe(
        "Segment 3 got no answer within 60 s; the link is slow: now 2 segments of 1.0 MiB at a time; " +
          "--concurrency, --chunk-size and --timeout change this.\n"
      )
    }))

  it.effect("RateLimitWait: one line per window, however many requests it holds", () =>
    Effect.gen(function*() {
      const { layer, text } = recorder(false)
      const first = new Date("2026-12-07T09:24:37.000Z")
      const next = new Date("2026-12-07T09:39:37.000Z")
      yield* Effect.gen(function*() {
        const view = yield* ProgressView.make({})
        // Four workers held by one APPEND window, then the next window, then FINALIZE's.
        for (const until of [first, first, first, first, next]) {
          yield* view.listener(Progress.UploadEvent.RateLimitWait({ step: "APPEND", until }))
        }
        yield* view.listener(Progress.UploadEvent.RateLimitWait({ step: "FINALIZE", until: next }))
        yield* view.settle
      }).pipe(Effect.provide(layer))
      expect(text()).toBe(
        "X's rate limit for APPEND is used up; waiting until 2026-12-07T09:24:37.000Z.\n" +
          "X's rate limit for APPEND is used up; waiting until 2026-12-07T09:39:37.000Z.\n" +
          "X's rate limit for FINALIZE is used up; waiting until 2026-12-07T09:39:37.000Z.\n"
      )
    }))

  it.effect("UploadStalled: the CLI names the flag and variable for more idle time", () =>
    Effect.gen(function*() {
      const stalled = new Errors.UploadStalled({
        mediaId: "1880028106020515840",
        segmentIndex: 0,
        timeouts: 3,
        idleTimeoutMillis: 60_000,
        concurrency: 1,
        chunkSize: 256 * 1024,
        segmentBytes: 256 * 1024
      })
      expect(yield* Report.networkNote(undefined)(stalled)).toBe(
        "To allow more idle time: --timeout SECONDS (or X_MEDIA_TIMEOUT); the default is 60."
      )
    }))
})
