import { describe, expect, it } from "@effect/vitest"
import { MediaId, Progress } from "@x-media/core"
import { Effect } from "effect"
import * as ProgressView from "../src/cli/ProgressView.ts"
import { recorder } from "./support/StderrRecorder.ts"

const mediaId = MediaId.makeMediaId("1880028106020515840")
const expiresAt = new Date("2026-12-08T23:49:24.435Z")

const lineFor = (event: Progress.UploadEvent) =>
  Effect.gen(function*() {
    const { layer, text } = recorder(false)
    yield* Effect.gen(function*() {
      const view = yield* ProgressView.make({})
      yield* view.listener(event)
      yield* view.settle
    }).pipe(Effect.provide(layer))
    return text()
  })

describe("ProgressView: a resumed upload", () => {
  it.effect("a session with segments left says how much X has and until when it keeps the upload open", () =>
    Effect.gen(function*() {
      const text = yield* lineFor(Progress.UploadEvent.Initialized({
        mediaId,
        expiresAt,
        resumed: true,
        bytesAlreadySent: 26_542_080,
        finalized: false
      }))
      expect(text).toBe(
        "Resumed media 1880028106020515840: 25.3 MiB already on X; " +
          "X keeps the unfinished upload open until 2026-12-08T23:49:24.435Z.\n"
      )
    }))

  it.effect("a finalized session does not call the upload unfinished", () =>
    Effect.gen(function*() {
      const text = yield* lineFor(Progress.UploadEvent.Initialized({
        mediaId,
        expiresAt,
        resumed: true,
        bytesAlreadySent: 60_000_012,
        finalized: true
      }))
      expect(text).toBe("Resumed media 1880028106020515840: finalized already, 57.2 MiB on X.\n")
    }))
})
