import { describe, expect, it } from "@effect/vitest"
import { Emulator, Fault, type RecordedRequest } from "@x-media/emulator"
import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { fromBytes } from "../../src/MediaSource.ts"
import type { UploadEvent } from "../../src/Progress.ts"
import { upload } from "../../src/Upload.ts"
import { clientLayer, emulatorLayer } from "../support/AgainstEmulator.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
const video = (size: number) => {
  const bytes = randomBytes(size)
  Buffer.concat([Buffer.from("00000018", "hex"), Buffer.from("ftypisom", "latin1")]).copy(bytes)
  return new Uint8Array(bytes)
}
const chunk = 64 * 1024

/**
 * Retry-After over real HTTP: the first APPEND of segment 0 is answered at once with `fault`, while
 * the APPENDs of segments 1-3 are still in flight (every other APPEND is answered 300 ms late).
 * Returns the emulator's records of the upload's APPENDs, oldest first, and the refused one.
 */
const uploadAgainst = (fault: Fault) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    emulator.reset()
    emulator.setFaults([
      { step: "APPEND", segmentIndex: 0, nth: 1, fault },
      { step: "APPEND", times: Infinity, fault: Fault.delay(300) }
    ])
    const bytes = video(8 * chunk)
    const events: Array<UploadEvent> = []
    const media = yield* upload(fromBytes(bytes, "video.mp4"), {
      chunkSize: chunk,
      concurrency: 4,
      onProgress: (event) => Effect.sync(() => events.push(event))
    }).pipe(Effect.ensuring(Effect.sync(() => emulator.setFaults([]))))
    expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
    const appends = emulator.requests().filter((r) => r.step === "APPEND")
    const refused = appends.find((r) => r.fault === "RetryAfter")!
    expect(refused).toBeDefined()
    return { appends, refused, events }
  })

/** Several APPENDs were in flight when X said to wait, and no APPEND started before `until`. */
const expectHeld = (appends: ReadonlyArray<RecordedRequest>, refused: RecordedRequest, until: number) => {
  const answeredAt = refused.endedAt!
  const inFlight = appends.filter((r) =>
    r !== refused && r.startedAt <= answeredAt && (r.endedAt ?? Infinity) > answeredAt
  )
  expect(inFlight.length).toBeGreaterThanOrEqual(2)
  const later = appends.filter((r) => r.startedAt > answeredAt)
  // Segment 0 again and segments 4-7, from the fibers that were free long before.
  expect(later.length).toBe(appends.length - 4)
  expect(later.map((r) => r.segmentIndex)).toContain(0)
  for (const r of later) expect(r.startedAt).toBeGreaterThanOrEqual(until)
}

describe("Retry-After against the emulator over HTTP: no request of the endpoint starts before the time X gave", () => {
  it.layer(emulatorLayer({ processing: { enabled: false } }), { excludeTestServices: true })((it) => {
    it.effect("503 with Retry-After in seconds", () =>
      Effect.gen(function*() {
        const { appends, events, refused } = yield* uploadAgainst(Fault.retryAfter(2))
        expect(refused).toMatchObject({ status: 503, segmentIndex: 0, responseHeaders: { "retry-after": "2" } })
        // The client read the answer after the emulator sent it: its 2 s count from then.
        expectHeld(appends, refused, refused.endedAt! + 2000)
        expect(events.find((e) => e._tag === "Retrying")).toMatchObject({
          step: "APPEND",
          segmentIndex: 0,
          attempt: 2,
          maxAttempts: 5
        })
      }).pipe(Effect.provide(clientLayer("v2", "oauth1", { budget: false }))))

    it.effect("503 with Retry-After as an HTTP date", () =>
      Effect.gen(function*() {
        const { appends, refused } = yield* uploadAgainst(Fault.retryAfter(2, { form: "http-date" }))
        const header = refused.responseHeaders["retry-after"]!
        expect(header).toMatch(/GMT$/)
        expectHeld(appends, refused, Date.parse(header))
      }).pipe(Effect.provide(clientLayer("v2", "oauth1", { budget: false }))))

    it.effect("429 with Retry-After", () =>
      Effect.gen(function*() {
        const { appends, events, refused } = yield* uploadAgainst(Fault.retryAfter(2, { status: 429 }))
        expect(refused).toMatchObject({ status: 429, responseHeaders: { "retry-after": "2" } })
        expectHeld(appends, refused, refused.endedAt! + 2000)
        expect(events.some((e) => e._tag === "RateLimitWait" && e.step === "APPEND")).toBe(true)
      }).pipe(Effect.provide(clientLayer("v1", "oauth1", { budget: false }))))
  })
})
