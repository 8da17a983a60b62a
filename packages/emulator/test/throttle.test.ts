import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import { mp4Bytes, str, v2Append, v2Init, withEmulator } from "./helpers.ts"

const rate = 1_000_000 // bytes per second

/** Sends APPENDs of `sizes` bytes at once; returns the seconds until the last answer and the body bytes received. */
const appendAll = (emulator: Parameters<typeof v2Init>[0], sizes: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const total = sizes.reduce((a, b) => a + b, 0)
    const id = str((yield* v2Init(emulator, { media_type: "video/mp4", total_bytes: total })).json, "data", "id")
    const started = performance.now()
    const answers = yield* Effect.forEach(sizes, (size, index) => v2Append(emulator, id, index, mp4Bytes(size)), {
      concurrency: "unbounded"
    })
    const seconds = (performance.now() - started) / 1000
    expect(answers.map((a) => a.status)).toEqual(sizes.map(() => 200))
    return seconds
  })

describe("throttle: one slow uplink shared by every connection", () => {
  it.live("bodies are read at the configured rate, all connections together; setThrottle changes it", () =>
    withEmulator({ throttle: { bytesPerSecond: rate } }, (emulator) =>
      Effect.gen(function*() {
        const megabyte = 1_000_000
        const one = yield* appendAll(emulator, [megabyte])
        const received = emulator.requests().at(-1)?.bodyBytes ?? 0
        expect(received).toBeGreaterThan(megabyte)
        // throttled: not faster than the link (a little slack for timer granularity), and not absurdly slower
        expect(received / one).toBeLessThanOrEqual(rate * 1.1)
        expect(received / one).toBeGreaterThan(rate * 0.1)

        // two connections share the link: two half-megabyte bodies take as long as one megabyte
        const two = yield* appendAll(emulator, [megabyte / 2, megabyte / 2])
        expect(two).toBeGreaterThanOrEqual((megabyte / rate) * 0.9)

        emulator.setThrottle(undefined)
        const free = yield* appendAll(emulator, [megabyte])
        expect(free).toBeLessThan(one / 2)
        expect(() => emulator.setThrottle({ bytesPerSecond: 0 })).toThrow(RangeError)
      })))

  it.live("a waiting body is not read from its socket: the kernel buffers fill and the client's writes stall", () =>
    withEmulator({ auth: false, throttle: { bytesPerSecond: 100_000 } }, (emulator) =>
      Effect.gen(function*() {
        const size = 64 * 1024 * 1024
        const target = new URL(`${emulator.url}/nowhere`)
        const written = yield* Effect.callback<number>((resume) => {
          const request = Http.request({
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: "POST",
            headers: { "content-type": "application/octet-stream", "content-length": String(size) }
          })
          request.on("error", () => {})
          const chunk = Buffer.alloc(64 * 1024)
          let sent = 0
          const pump = () => {
            while (sent < size) {
              sent += chunk.length
              if (!request.write(chunk)) return void request.once("drain", pump)
            }
          }
          pump()
          const timer = setTimeout(() => {
            request.destroy()
            resume(Effect.succeed(sent))
          }, 1000)
          return Effect.sync(() => clearTimeout(timer))
        })
        // Reading eagerly, a local server takes tens of MB within a second; throttled to 100 KB/s, the client
        // can only fill the kernel buffers (about 4 MB with Linux's defaults) before its writes stall.
        expect(written).toBeLessThan(16 * 1024 * 1024)
      })))
})
