import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { createServer } from "node:net"
import * as MediaClient from "../src/MediaClient.ts"
import { makeMediaId } from "../src/MediaId.ts"
import * as XClient from "../src/XClient.ts"
import { transports } from "./support/AgainstEmulator.ts"
import { listen } from "./support/LocalServer.ts"
import { scriptedClient, testCredentials } from "./support/ScriptedX.ts"

const id = makeMediaId("1880028106020515840")
const ok = { data: { id: "1880028106020515840", expires_after_secs: 86400 } }
const settle = TestClock.withLive(Effect.sleep("5 millis"))
const advance = (millis: number) => Effect.andThen(settle, Effect.andThen(TestClock.adjust(millis), settle))

/**
 * A transport that reads the request body as a slow link would: `pause(n)` before the n-th piece
 * it pulls. Answers 204 once the body is read.
 */
const slowReader = (pause: (piece: number) => number) => {
  const pulled: Array<number> = []
  const client = HttpClient.make((request) =>
    Effect.gen(function*() {
      const body = request.body
      if (body._tag === "Stream") {
        yield* body.stream.pipe(
          Stream.runForEach((piece) =>
            Effect.andThen(Effect.sleep(pause(pulled.length)), Effect.sync(() => pulled.push(piece.byteLength)))
          ),
          Effect.orDie
        )
      }
      return HttpClientResponse.fromWeb(request, new Response(null, { status: 204 }))
    })
  )
  return { pulled, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const mediaClientOver = (transport: Layer.Layer<HttpClient.HttpClient>) =>
  MediaClient.layer.pipe(
    Layer.provide(XClient.layer({ credentials: testCredentials.oauth2, baseUrl: "http://x.test" })),
    Layer.provide(transport)
  )

const append = (index: number, bytes: number) =>
  MediaClient.MediaClient.use((client) => client.append({ mediaId: id }, index, new Uint8Array(bytes)))

const appendThrough = (transport: Layer.Layer<HttpClient.HttpClient>, bytes: number) =>
  append(0, bytes).pipe(Effect.provide(mediaClientOver(transport)))

/** The pieces of a segment's body (the multipart head and tail are under 1 KiB). */
const segmentPieces = (pulled: ReadonlyArray<number>) => pulled.filter((bytes) => bytes > 1024)

describe("idle timeout", () => {
  it.effect("a body that keeps moving is never cut off, however long it takes", () =>
    Effect.gen(function*() {
      // 4 MiB in 64 KiB pieces, one every 30 s: 32 minutes, and never 60 s without progress.
      const link = slowReader(() => 30_000)
      const fiber = yield* appendThrough(link.layer, 4 * 1024 * 1024).pipe(Effect.forkChild)
      for (let i = 0; i < 70; i++) yield* advance(30_000)
      yield* Fiber.join(fiber)
      expect(link.pulled.length).toBeGreaterThanOrEqual(64)
      expect(Math.max(...link.pulled)).toBeLessThanOrEqual(64 * 1024)
    }))

  it.effect("a link that takes each piece at once gets larger pieces: at most 256 KiB at the default idle time", () =>
    Effect.gen(function*() {
      const link = slowReader(() => 0)
      const fiber = yield* appendThrough(link.layer, 4 * 1024 * 1024).pipe(Effect.forkChild)
      yield* advance(0)
      yield* Fiber.join(fiber)
      expect(Math.max(...link.pulled)).toBe(256 * 1024)
      // After the multipart head: 128 KiB, 15 × 256 KiB, the last 128 KiB; instead of 64 pieces of 64 KiB.
      expect(link.pulled.filter((bytes) => bytes > 1024)).toHaveLength(17)
    }))

  it.effect("pieces halve again, down to 64 KiB, when the link slows down", () =>
    Effect.gen(function*() {
      // The first 8 pieces go at once, then each takes 5 s (more than 60 s / 32).
      const link = slowReader((piece) => (piece < 8 ? 0 : 5_000))
      const fiber = yield* appendThrough(link.layer, 4 * 1024 * 1024).pipe(Effect.forkChild)
      for (let i = 0; i < 200; i++) yield* advance(5_000)
      yield* Fiber.join(fiber)
      const segment = link.pulled.filter((bytes) => bytes > 1024)
      expect(Math.max(...segment)).toBe(256 * 1024)
      expect(segment.slice(-10, -1).every((bytes) => bytes === 64 * 1024)).toBe(true)
    }))

  /**
   * APPENDs of 4 MiB one after the other through one client, the n-th one's body read as
   * `pause(piece, n)` says: each one's segment pieces and result.
   */
  const appendsInARow = (count: number, pause: (piece: number, n: number) => number) => {
    let n = 0
    const link = slowReader((piece) => pause(piece, n))
    return Effect.gen(function*() {
      const outcomes = []
      for (; n < count; n++) {
        const mark = link.pulled.length
        const result = yield* Effect.result(append(n, 4 * 1024 * 1024))
        outcomes.push({ pieces: segmentPieces(link.pulled.slice(mark)), result })
      }
      return outcomes
    }).pipe(Effect.provide(mediaClientOver(link.layer)), Effect.forkChild)
  }

  it.effect("after an answer at 16 MiB/s or faster, the next body goes to the transport whole", () =>
    Effect.gen(function*() {
      // The first answer comes at once (TestClock): 4 MiB in under 1 ms.
      const fiber = yield* appendsInARow(2, () => 0)
      yield* advance(0)
      const [first, second] = yield* Fiber.join(fiber)
      expect(first?.pieces).toHaveLength(17)
      expect(second?.pieces).toEqual([4 * 1024 * 1024])
    }))

  it.effect("after a slow answer, the next body is cut into pieces again", () =>
    Effect.gen(function*() {
      // The first body at 64 KiB per second (64 bytes per ms), the second at once.
      const fiber = yield* appendsInARow(2, (_, n) => (n === 0 ? 1_000 : 0))
      for (let i = 0; i < 70; i++) yield* advance(1_000)
      const [first, second] = yield* Fiber.join(fiber)
      expect(Math.max(...(first?.pieces ?? []))).toBe(64 * 1024)
      expect(second?.pieces).toHaveLength(17)
      expect(Math.max(...(second?.pieces ?? []))).toBe(256 * 1024)
    }))

  it.effect("a fast link that stops within a whole body: NetworkError(timedOut) after the idle time, then pieces again", () =>
    Effect.gen(function*() {
      // The first body at once; the second one's segment is not taken for 10 minutes; the third at once.
      const fiber = yield* appendsInARow(3, (_, n) => (n === 1 ? 600_000 : 0))
      yield* advance(0)
      yield* advance(59_999)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* advance(1)
      const [, second, third] = yield* Fiber.join(fiber)
      expect(second?.result).toMatchObject({
        _tag: "Failure",
        failure: { _tag: "NetworkError", timedOut: true, segmentIndex: 1, attempts: 1 }
      })
      // Nothing is known of the link after a request without an answer.
      expect(third?.result._tag).toBe("Success")
      expect(third?.pieces).toHaveLength(17)
    }))

  it.effect("no byte moved for the idle time: NetworkError(timedOut) at that time, not retried", () =>
    Effect.gen(function*() {
      const link = slowReader((piece) => (piece === 10 ? 61_000 : 1_000))
      const fiber = yield* appendThrough(link.layer, 4 * 1024 * 1024).pipe(Effect.flip, Effect.forkChild)
      for (let i = 0; i < 200; i++) yield* advance(1_000)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "NetworkError",
        step: "APPEND",
        segmentIndex: 0,
        timedOut: true,
        attempts: 1
      })
      expect(error.message).toContain("no byte of the request moved for 60 s")
      // Ten pieces a second apart, then 60 s of silence: given up at 70 s.
      expect(link.pulled).toHaveLength(10)
    }))

  it.effect("no answer for the idle time after the request was sent: NetworkError(timedOut), once", () =>
    Effect.gen(function*() {
      const x = scriptedClient(() => ({ body: ok, delayMillis: 10 * 60_000 }), { idleTimeout: "20 seconds" })
      const fiber = yield* MediaClient.MediaClient.use((client) => client.status(id)).pipe(
        Effect.provide(x.layer),
        Effect.flip,
        Effect.forkChild
      )
      yield* advance(19_999)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* advance(1)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "NetworkError", timedOut: true, attempts: 1 })
      expect(error.message).toContain("no answer came within 20 s after the request was sent")
      expect(x.sent).toHaveLength(1)
    }))

  it.effect("an answer just within the idle time is taken", () =>
    Effect.gen(function*() {
      const x = scriptedClient(() => ({ body: ok, delayMillis: 59_000 }))
      const fiber = yield* MediaClient.MediaClient.use((client) => client.status(id)).pipe(
        Effect.provide(x.layer),
        Effect.forkChild
      )
      yield* advance(59_000)
      expect((yield* Fiber.join(fiber))._tag).toBe("Ready")
    }))

  it.effect("a malformed idle timeout is refused when the layer is built", () =>
    Effect.gen(function*() {
      const error = yield* XClient.XClient.use(Effect.succeed).pipe(
        Effect.provide(
          XClient.layer({ credentials: testCredentials.oauth2, idleTimeout: 0 }).pipe(
            Layer.provide(slowReader(() => 0).layer)
          )
        ),
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "InvalidOption", option: "idle timeout" })
    }))

  for (const [transportName, transport] of transports) {
    it.live(`${transportName}: a server on 127.0.0.1 that accepts and never answers is given up on after the idle time, not after every retry`, () =>
      Effect.gen(function*() {
        // Reads nothing, answers nothing.
        const { connections, port } = yield* listen(createServer(() => {}))
        const started = Date.now()
        const error = yield* MediaClient.MediaClient.use((client) => client.status(id)).pipe(
          Effect.provide(MediaClient.layer.pipe(
            Layer.provide(XClient.layer({
              credentials: testCredentials.oauth2,
              baseUrl: `http://127.0.0.1:${port}`,
              idleTimeout: "1 second"
            })),
            Layer.provide(transport)
          )),
          Effect.flip
        )
        const elapsed = Date.now() - started
        expect(error).toMatchObject({ _tag: "NetworkError", timedOut: true, attempts: 1 })
        // One idle time (1 s), not five of them plus backoff.
        expect(elapsed).toBeGreaterThanOrEqual(1000)
        expect(elapsed).toBeLessThan(4000)
        expect(connections()).toBe(1)
      }).pipe(Effect.scoped))
  }
})
