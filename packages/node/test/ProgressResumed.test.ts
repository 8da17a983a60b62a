import { describe, expect, it } from "@effect/vitest"
import { MediaId, Progress } from "@x-media/core"
import { Effect } from "effect"
import { drawn } from "./support/StderrRecorder.ts"

/** The line of a resume that finds `bytesAlreadySent` on X, in a session finalized or not. */
const resumedLine = (bytesAlreadySent: number, finalized: boolean) =>
  drawn([
    Progress.UploadEvent.Initialized({
      mediaId: MediaId.makeMediaId("1880028106020515840"),
      expiresAt: new Date("2026-12-08T23:49:24.435Z"),
      resumed: true,
      bytesAlreadySent,
      finalized
    })
  ])

describe("ProgressView: a resumed upload", () => {
  it.effect("a session with segments left says how much X has and until when it keeps the upload open", () =>
    Effect.gen(function*() {
      expect(yield* resumedLine(26_542_080, false)).toBe(
        "Resumed media 1880028106020515840: 25.3 MiB already on X; " +
          "X keeps the unfinished upload open until 2026-12-08T23:49:24.435Z.\n"
      )
    }))

  it.effect("a finalized session does not call the upload unfinished", () =>
    Effect.gen(function*() {
      expect(yield* resumedLine(60_000_012, true)).toBe(
        "Resumed media 1880028106020515840: finalized already, 57.2 MiB on X.\n"
      )
    }))
})
