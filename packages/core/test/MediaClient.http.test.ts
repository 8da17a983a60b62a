import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Tracer } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import * as Client from "../src/MediaClient.ts"
import { MediaClient } from "../src/MediaClient.ts"
import { makeMediaId } from "../src/MediaId.ts"
import * as XClient from "../src/XClient.ts"
import { testCredentials } from "./support/ScriptedX.ts"

/** A tiny server on 127.0.0.1 answering like X's v1.1 FINALIZE/STATUS (the seed's examples). */
const startServer = Effect.acquireRelease(
  Effect.callback<{ server: Server; url: string; seen: Array<string>; headers: Array<IncomingHttpHeaders> }>(
    (resume) => {
      const seen: Array<string> = []
      const headers: Array<IncomingHttpHeaders> = []
      let statusCalls = 0
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        let body = ""
        req.on("data", (chunk: Buffer) => (body += chunk.toString()))
        req.on("end", () => {
          const params = new URLSearchParams(body)
          const command = params.get("command") ?? url.searchParams.get("command")
          seen.push(`${req.method} ${url.pathname} ${command}`)
          headers.push(req.headers)
          res.setHeader("content-type", "application/json")
          res.setHeader("x-rate-limit-limit", "1875")
          res.setHeader("x-rate-limit-remaining", "1874")
          res.setHeader("x-rate-limit-reset", "1705420800")
          if (command === "FINALIZE") {
            res.end(
              `{"media_id":710511363345354753,"media_id_string":"710511363345354753","expires_after_secs":86400,"size":10240,"processing_info":{"state":"pending","check_after_secs":1}}`
            )
          } else if (command === "STATUS" && url.searchParams.get("media_id") === "710511363345354753") {
            statusCalls++
            res.end(
              `{"media_id":710511363345354753,"media_id_string":"710511363345354753","expires_after_secs":86399,"video":{"video_type":"video/mp4"},"processing_info":{"state":"succeeded","progress_percent":100}}`
            )
          } else {
            res.statusCode = 400
            res.end(`{"errors":[{"code":324,"message":"Invalid media id ${url.searchParams.get("media_id")}"}]}`)
          }
          void statusCalls
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}`, seen, headers }))
      })
    }
  ),
  ({ server }) =>
    Effect.callback<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
)

const transports: ReadonlyArray<[string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient (undici)", NodeHttpClient.layerUndici]
]

describe("MediaClient over real HTTP on 127.0.0.1", () => {
  for (const [name, transport] of transports) {
    it.live(`finalize and wait through ${name}`, () =>
      Effect.gen(function*() {
        const { url, seen } = yield* startServer
        const result = yield* Effect.gen(function*() {
          const client = yield* MediaClient
          const ready = yield* client.finalizeAndAwait(makeMediaId("710511363345354753"))
          const missing = yield* client.status(makeMediaId("1")).pipe(Effect.flip)
          return { ready, missing }
        }).pipe(Effect.provide(Client.layer.pipe(
          Layer.provide(XClient.layer({ credentials: testCredentials.oauth1, dialect: "v1", baseUrl: url })),
          Layer.provide(transport)
        )))
        expect(result.ready).toMatchObject({ _tag: "Ready", mediaId: "710511363345354753", mediaType: "video/mp4" })
        expect(result.missing).toMatchObject({
          _tag: "XApiError",
          status: 400,
          errors: [{ code: 324, message: "Invalid media id 1" }]
        })
        expect(seen).toEqual([
          "POST /1.1/media/upload.json FINALIZE",
          "GET /1.1/media/upload.json STATUS",
          "GET /1.1/media/upload.json STATUS"
        ])
      }).pipe(Effect.scoped))
  }
})

describe("tracing", () => {
  it.live("the application's tracer gets the spans; X gets no trace context", () =>
    Effect.gen(function*() {
      const { headers, url } = yield* startServer
      const spans: Array<{ readonly name: string; readonly kind: string }> = []
      const tracer = Tracer.make({
        span(options) {
          spans.push({ name: options.name, kind: options.kind })
          return new Tracer.NativeSpan(options)
        }
      })
      yield* MediaClient.use((client) => client.finalizeAndAwait(makeMediaId("710511363345354753"))).pipe(
        Effect.provide(Client.layer.pipe(
          Layer.provide(XClient.layer({ credentials: testCredentials.oauth1, dialect: "v1", baseUrl: url })),
          Layer.provide(NodeHttpClient.layerNodeHttp)
        )),
        Effect.withTracer(tracer)
      )
      expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining([
        "x-media/MediaClient.finalize",
        "x-media/MediaClient.status",
        "x-media/XClient.execute"
      ]))
      // FINALIZE and one STATUS, each with the client span effect's HttpClient makes.
      expect(headers).toHaveLength(2)
      expect(spans.filter((span) => span.kind === "client")).toHaveLength(2)
      expect(headers.map((h) => [h["traceparent"], h["b3"]])).toEqual(headers.map(() => [undefined, undefined]))
    }).pipe(Effect.scoped))
})

describe("a NetworkError keeps the transport's error", () => {
  it.live("connection refused: the cause is undici's error, and holds no credential", () =>
    Effect.gen(function*() {
      // A port that was just free: nothing listens there.
      const { server, url } = yield* startServer
      yield* Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
      const error = yield* MediaClient.use((client) => client.status(makeMediaId("1"))).pipe(
        Effect.provide(Client.layer.pipe(
          Layer.provide(
            XClient.layer({
              credentials: testCredentials.oauth2,
              baseUrl: url,
              retry: { maxAttempts: 2, baseDelay: "1 millis" }
            })
          ),
          Layer.provide(NodeHttpClient.layerUndici)
        )),
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "NetworkError", step: "STATUS", timedOut: false, attempts: 2 })
      expect(error.isRetryable).toBe(true)
      expect(error.cause).toBeInstanceOf(Error)
      expect(inspect(error.cause, { depth: 10 })).not.toContain("test-oauth2-token")
      expect(inspect(error, { depth: 10 })).not.toContain("test-oauth2-token")
    }))
})
