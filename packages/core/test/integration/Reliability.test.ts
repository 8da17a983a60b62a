import { describe, expect, it } from "@effect/vitest"
import { Emulator, Fault, type FaultRule } from "@x-media/emulator"
import { Deferred, Effect, Fiber, Random } from "effect"
import { createHash, randomBytes } from "node:crypto"
import type { Dialect } from "../../src/Dialect.ts"
import type { MediaClient } from "../../src/MediaClient.ts"
import { fromBytes } from "../../src/MediaSource.ts"
import type { UploadEvent } from "../../src/Progress.ts"
import { resume, upload, type UploadOptions } from "../../src/Upload.ts"
import { UploadSession } from "../../src/UploadSession.ts"
import { clientLayer, emulatorLayer } from "../support/AgainstEmulator.ts"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
const video = (size: number) => {
  const bytes = randomBytes(size)
  Buffer.concat([Buffer.from("00000018", "hex"), Buffer.from("ftypisom", "latin1")]).copy(bytes)
  return new Uint8Array(bytes)
}
const png = (size: number) => {
  const bytes = randomBytes(size)
  Buffer.from("89504e470d0a1a0a", "hex").copy(bytes)
  return new Uint8Array(bytes)
}

/** Fast retries, so faults cost milliseconds. */
const fast = { retry: { baseDelay: "5 millis", maxDelay: "20 millis" } } as const

const withFaults = <A, E, R>(rules: ReadonlyArray<FaultRule>, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    emulator.reset()
    emulator.setFaults(rules)
    return yield* effect.pipe(Effect.ensuring(Effect.sync(() => emulator.setFaults([]))))
  })

/** Requests per step (and per segment for APPEND) the emulator received for one media. */
const requestCounts = (emulator: Emulator["Service"], mediaId: string) => {
  const counts: Record<string, number> = {}
  for (const r of emulator.requests()) {
    if (r.step !== "INIT" && r.mediaId !== mediaId) continue
    const key = r.step === "APPEND" ? `APPEND#${r.segmentIndex}` : String(r.step)
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

const dialects: ReadonlyArray<Dialect> = ["v1", "v2"]
const chunk = 1024
const options: UploadOptions = { chunkSize: chunk, concurrency: 2 }

describe("reliability against the emulator's faults", () => {
  it.layer(emulatorLayer({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } }), { excludeTestServices: true })(
    (it) => {
      for (const dialect of dialects) {
        const run = <A, E>(effect: Effect.Effect<A, E, MediaClient | Emulator>) =>
          Effect.provide(effect, clientLayer(dialect, "oauth1", fast))

        for (
          const [name, fault] of [["a 503", Fault.httpError(503)], [
            "a dropped connection",
            Fault.dropConnection()
          ]] as const
        ) {
          it.effect(`${dialect}: ${name} on an APPEND resends that segment only`, () =>
            run(withFaults(
              [{ step: "APPEND", segmentIndex: 2, fault }],
              Effect.gen(function*() {
                const emulator = yield* Emulator
                const bytes = png(5 * chunk)
                const media = yield* upload(fromBytes(bytes, "a.png"), options)
                expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
                expect(requestCounts(emulator, media.mediaId)).toEqual({
                  INIT: 1,
                  "APPEND#0": 1,
                  "APPEND#1": 1,
                  "APPEND#2": 2,
                  "APPEND#3": 1,
                  "APPEND#4": 1,
                  FINALIZE: 1
                })
              })
            )))
        }

        it.effect(`${dialect}: a 429 on FINALIZE is waited out until the reset and the upload completes`, () =>
          run(withFaults(
            [{ step: "FINALIZE", fault: Fault.rateLimited(2) }],
            Effect.gen(function*() {
              const emulator = yield* Emulator
              const bytes = png(2 * chunk)
              const started = Date.now()
              const media = yield* upload(fromBytes(bytes, "a.png"), options)
              expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
              expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
              expect(requestCounts(emulator, media.mediaId)).toMatchObject({ INIT: 1, FINALIZE: 2 })
            })
          )))

        it.effect(`${dialect}: string-only error bodies on INIT are parsed and retried`, () =>
          run(withFaults(
            [{ step: "INIT", fault: Fault.stringErrors(500), times: 2 }],
            Effect.gen(function*() {
              const emulator = yield* Emulator
              const bytes = png(chunk)
              const media = yield* upload(fromBytes(bytes, "a.png"), { ...options, oneShot: false })
              expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
              expect(emulator.requests().filter((r) => r.step === "INIT").map((r) => r.status)).toEqual([
                500,
                500,
                dialect === "v1" ? 202 : 200
              ])
            })
          )))

        it.effect(`${dialect}: string-only error bodies become XApiError with the text when retries run out`, () =>
          Effect.provide(
            withFaults(
              [{ step: "INIT", fault: Fault.stringErrors(500), times: Infinity }],
              Effect.gen(function*() {
                const error = yield* upload(fromBytes(png(chunk), "a.png"), { ...options, oneShot: false }).pipe(
                  Effect.flip
                )
                expect(error).toMatchObject({
                  _tag: "XApiError",
                  step: "INIT",
                  status: 500,
                  errors: [{ message: "internal server error" }]
                })
              })
            ),
            clientLayer(dialect, "oauth1", { retry: { maxAttempts: 2, baseDelay: "5 millis" } })
          ))

        it.effect(`${dialect}: processing stuck at in_progress with an error fails at once`, () =>
          run(
            withFaults(
              [{ step: "FINALIZE", fault: Fault.processingStuck("file is invalid") }],
              Effect.gen(function*() {
                const error = yield* upload(fromBytes(video(3 * chunk), "a.mp4"), options).pipe(Effect.flip)
                expect(error).toMatchObject({
                  _tag: "ProcessingFailed",
                  state: "in_progress",
                  errorName: "InvalidMedia",
                  errorMessage: "file is invalid"
                })
              })
            )
          ))

        it.effect(`${dialect}: a failed processing ends with X's code, name and message`, () =>
          run(
            withFaults(
              [{
                step: "STATUS",
                fault: Fault.processingFailed({ code: 3, name: "UnsupportedMedia", message: "Duration exceeds max" })
              }],
              Effect.gen(function*() {
                const error = yield* upload(fromBytes(video(3 * chunk), "a.mp4"), options).pipe(Effect.flip)
                expect(error).toMatchObject({
                  _tag: "ProcessingFailed",
                  state: "failed",
                  errorCode: 3,
                  errorName: "UnsupportedMedia",
                  errorMessage: "Duration exceeds max"
                })
              })
            )
          ))

        it.effect(`${dialect}: expiry during the upload ends with MediaExpired`, () =>
          run(withFaults(
            [{ step: "APPEND", segmentIndex: 1, fault: Fault.expire() }],
            Effect.gen(function*() {
              const error = yield* upload(fromBytes(png(4 * chunk), "a.png"), { ...options, concurrency: 1 }).pipe(
                Effect.flip
              )
              expect(error).toMatchObject({ _tag: "MediaExpired", step: "APPEND" })
            })
          )))

        // A session file may have been edited by hand: its list of segments out of order, one repeated.
        for (
          const [shape, edit] of [["as saved", (done: ReadonlyArray<number>) => done], [
            "out of order, with a repeat",
            (done: ReadonlyArray<number>) => [...done].reverse().concat(done.slice(0, 1))
          ]] as const
        ) {
          it.effect(`${dialect}: an interrupted upload resumes from its saved session (${shape}), sending only missing segments`, () =>
            run(withFaults(
              [{ step: "APPEND", times: Infinity, fault: Fault.delay(30) }],
              Effect.gen(function*() {
                const emulator = yield* Emulator
                const bytes = video(40 * chunk)
                let saved: UploadSession | undefined
                // Interrupt as soon as a session with 5 segments in it was saved, however busy the machine is.
                const segmentSaved = yield* Deferred.make<void>()
                const first = yield* upload(fromBytes(bytes, "a.mp4"), {
                  ...options,
                  onSession: (session) =>
                    Effect.andThen(
                      Effect.sync(() => (saved = session)),
                      session.segmentsDone.length >= 5 ? Deferred.succeed(segmentSaved, undefined) : Effect.void
                    )
                }).pipe(Effect.forkChild)
                yield* Deferred.await(segmentSaved)
                yield* Fiber.interrupt(first)
                expect(saved).toBeDefined()
                const session = saved!
                expect(session.segmentsDone.length).toBeGreaterThan(0)
                expect(session.segmentsDone.length).toBeLessThan(40)
                const before = emulator.requests().filter((r) => r.step === "APPEND").length
                emulator.setFaults([])
                const edited = new UploadSession({ ...session, segmentsDone: edit(session.segmentsDone) })
                const events: Array<UploadEvent> = []
                const media = yield* resume(edited, fromBytes(bytes, "a.mp4"), {
                  concurrency: 4,
                  onProgress: (event) => Effect.sync(() => events.push(event))
                })
                expect(media.mediaId).toBe(session.mediaId)
                // Each segment X has counted once: every segment is `chunk` bytes.
                expect(events.find((event) => event._tag === "Initialized")).toMatchObject({
                  bytesAlreadySent: session.segmentsDone.length * chunk
                })
                expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
                const resent = emulator.requests().filter((r) => r.step === "APPEND").slice(before).map((r) =>
                  r.segmentIndex
                )
                expect(resent.sort((a, b) => a! - b!)).toEqual(session.missingSegments)
                expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(1)
              })
            )))
        }

        it.effect(`${dialect}: an upload past its deadline stops with DeadlineExceeded naming the phase`, () =>
          run(withFaults(
            [{ step: "APPEND", times: Infinity, fault: Fault.delay(100) }],
            Effect.gen(function*() {
              const emulator = yield* Emulator
              const error = yield* upload(fromBytes(png(20 * chunk), "a.png"), { ...options, deadline: "250 millis" })
                .pipe(Effect.flip)
              expect(error).toMatchObject({ _tag: "DeadlineExceeded", phase: "uploading", deadlineMillis: 250 })
              expect(error._tag === "DeadlineExceeded" && error.mediaId).toMatch(/^\d+$/)
              // No onSession, so nothing to resume: the advice says so.
              expect(error).not.toHaveProperty("sessionSaved")
              expect(error.message).toContain("deadline of 0.25 s; it was uploading. Upload it again")
              // Requests already on their way when the deadline hit reach the server a moment later;
              // give them that moment, then nothing more may arrive.
              yield* Effect.sleep("200 millis")
              const settled = emulator.requests().length
              yield* Effect.sleep("300 millis")
              expect(emulator.requests().length).toBe(settled)
            })
          )))

        it.effect(`${dialect}: past its deadline with a saved session, resuming it as advised finishes the upload`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const bytes = png(20 * chunk)
            let saved: UploadSession | undefined
            const error = yield* withFaults(
              [{ step: "APPEND", times: Infinity, fault: Fault.delay(100) }],
              upload(fromBytes(bytes, "a.png"), {
                ...options,
                oneShot: false,
                deadline: "250 millis",
                onSession: (session) => Effect.sync(() => (saved = session))
              }).pipe(Effect.flip)
            )
            expect(error).toMatchObject({ _tag: "DeadlineExceeded", sessionSaved: true })
            expect(error.message).toContain("Resume the saved session (Upload.resume) with a longer deadline or none.")
            expect(saved?.segmentsDone.length).toBeLessThan(20)
            // A resume past its own deadline advises resuming again: its caller holds the session.
            emulator.setFaults([{ step: "APPEND", times: Infinity, fault: Fault.delay(100) }])
            const again = yield* resume(saved!, fromBytes(bytes, "a.png"), { concurrency: 2, deadline: "150 millis" })
              .pipe(Effect.flip, Effect.ensuring(Effect.sync(() => emulator.setFaults([]))))
            expect(again).toMatchObject({ _tag: "DeadlineExceeded", sessionSaved: true, mediaId: saved!.mediaId })
            const media = yield* resume(saved!, fromBytes(bytes, "a.png"), { concurrency: 2 })
            expect(media.mediaId).toBe(saved!.mediaId)
            expect(emulator.media(media.mediaId)?.sha256).toBe(sha256(bytes))
            expect(emulator.requests().filter((r) => r.step === "INIT")).toHaveLength(1)
          })))

        it.effect(`${dialect}: resuming a finalized session says so and sends nothing but STATUS`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const bytes = png(2 * chunk)
            let saved: UploadSession | undefined
            yield* upload(fromBytes(bytes, "a.png"), {
              ...options,
              oneShot: false,
              wait: false,
              onSession: (s) => Effect.sync(() => (saved = s))
            })
            expect(saved?.finalized).toBe(true)
            const before = emulator.requests().length
            const events: Array<UploadEvent> = []
            const media = yield* resume(saved!, fromBytes(bytes, "a.png"), {
              onProgress: (event) => Effect.sync(() => events.push(event))
            })
            expect(media.mediaId).toBe(saved!.mediaId)
            expect(events.find((e) => e._tag === "Initialized")).toMatchObject({
              resumed: true,
              finalized: true,
              bytesAlreadySent: bytes.byteLength
            })
            expect(emulator.requests().slice(before).filter((r) => r.step !== "STATUS")).toEqual([])
          })))

        it.effect(`${dialect}: resuming with another file of the same size is refused without a request`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            let saved: UploadSession | undefined
            yield* upload(fromBytes(png(2 * chunk), "a.png"), {
              ...options,
              wait: false,
              onSession: (s) => Effect.sync(() => (saved = s))
            })
            const before = emulator.requests().length
            const error = yield* resume(
              new UploadSession({ ...saved!, finalized: false, segmentsDone: [0] }),
              fromBytes(png(2 * chunk), "b.png")
            ).pipe(Effect.flip)
            expect(error).toMatchObject({ _tag: "InvalidOption", option: "session" })
            expect(error.message).toContain("same bytes")
            expect(emulator.requests().length).toBe(before)
          })))

        it.effect(`${dialect}: resuming an expired session is refused without a request`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            let saved: UploadSession | undefined
            const bytes = png(2 * chunk)
            yield* upload(fromBytes(bytes, "a.png"), { ...options, onSession: (s) => Effect.sync(() => (saved = s)) })
            const before = emulator.requests().length
            const expired = new UploadSession({ ...saved!, expiresAt: new Date(Date.now() - 1000), finalized: false })
            const error = yield* resume(expired, fromBytes(bytes, "a.png")).pipe(Effect.flip)
            expect(error._tag).toBe("MediaExpired")
            expect(emulator.requests().length).toBe(before)
          })))
      }
    }
  )
})

describe("soak: 200 uploads with random faults", () => {
  it.layer(emulatorLayer({ processing: { checkAfterSecs: 1, inProgressSteps: 0 } }), { excludeTestServices: true })(
    (it) => {
      type Plan = {
        readonly name: string
        readonly rules: (dialect: Dialect) => ReadonlyArray<FaultRule>
        readonly expect: string
      }
      const plans: ReadonlyArray<Plan> = [
        { name: "none", rules: () => [], expect: "ok" },
        {
          name: "503 on an APPEND",
          rules: () => [{ step: "APPEND", segmentIndex: 1, fault: Fault.httpError(503) }],
          expect: "ok"
        },
        {
          name: "dropped APPEND",
          rules: () => [{ step: "APPEND", segmentIndex: 0, fault: Fault.dropConnection() }],
          expect: "ok"
        },
        { name: "500 on INIT", rules: () => [{ step: "INIT", fault: Fault.stringErrors(500) }], expect: "ok" },
        { name: "502 HTML on FINALIZE", rules: () => [{ step: "FINALIZE", fault: Fault.htmlPage(502) }], expect: "ok" },
        {
          name: "400 on an APPEND",
          rules: () => [{ step: "APPEND", segmentIndex: 1, fault: Fault.httpError(400) }],
          expect: "XApiError"
        },
        {
          name: "truncated FINALIZE body",
          rules: () => [{ step: "FINALIZE", fault: Fault.truncatedJson() }],
          expect: "MalformedResponse"
        },
        {
          name: "expired",
          rules: () => [{ step: "APPEND", segmentIndex: 1, fault: Fault.expire() }],
          expect: "MediaExpired"
        },
        {
          name: "processing failed",
          rules: () => [{ step: "FINALIZE", fault: Fault.processingFailed() }],
          expect: "ProcessingFailed"
        }
      ]
      it.effect(
        "every upload either succeeds with the right bytes or fails with the error its fault calls for",
        () =>
          Effect.gen(function*() {
            const emulator = yield* Emulator
            const outcomes: Record<string, number> = {}
            for (let i = 0; i < 200; i++) {
              const plan = plans[yield* Random.nextIntBetween(0, plans.length - 1)]!
              const dialect: Dialect = (yield* Random.nextBoolean) ? "v1" : "v2"
              const isVideo = plan.name === "processing failed"
              const bytes = isVideo ? video(3 * chunk + 7) : png(3 * chunk + 7)
              emulator.setFaults(plan.rules(dialect))
              const exit = yield* upload(fromBytes(bytes, isVideo ? "a.mp4" : "a.png"), options).pipe(
                Effect.provide(clientLayer(dialect, "oauth1", { ...fast, budget: false })),
                Effect.exit
              )
              if (plan.expect === "ok") {
                expect(exit._tag, `${plan.name} (${dialect})`).toBe("Success")
                if (exit._tag === "Success") {
                  expect(emulator.media(exit.value.mediaId)?.sha256).toBe(sha256(bytes))
                }
              } else {
                expect(exit._tag, `${plan.name} (${dialect})`).toBe("Failure")
                if (exit._tag === "Failure") {
                  const error = yield* Effect.flip(Effect.failCause(exit.cause))
                  expect(error._tag, `${plan.name} (${dialect})`).toBe(plan.expect)
                }
              }
              outcomes[plan.name] = (outcomes[plan.name] ?? 0) + 1
            }
            emulator.setFaults([])
            expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(200)
            expect(Object.keys(outcomes).length).toBe(plans.length)
          }),
        { timeout: 120_000 }
      )
    }
  )
})
