import { describe, expect, it } from "@effect/vitest"
import { MediaId, Progress } from "@x-media/core"
import { Effect } from "effect"
import type { IoShape } from "../src/cli/Io.ts"
import * as ProgressView from "../src/cli/ProgressView.ts"

describe("ProgressView: a slow link", () => {
  it.effect("Adapted says which segment got no answer, what the upload does now, and which flags change it", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const io: IoShape = {
        out: () => Effect.void,
        err: (text) => Effect.sync(() => void lines.push(text)),
        errIsTerminal: false,
        columns: () => 100
      }
      const view = yield* ProgressView.make(io)
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
      expect(lines.join("")).toBe(
        "Segment 3 got no answer within 1 min 00 s; the link is slow: now 2 segments of 1.0 MiB at a time; " +
          "--concurrency, --chunk-size and --timeout change this.\n"
      )
    }))
})
