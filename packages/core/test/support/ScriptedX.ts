/**
 * A scripted stand-in for X inside the process: answers requests from a list, and records each
 * request with the (Test)Clock time it was sent at. For unit tests of request handling and timing;
 * integration tests use the emulator over real HTTP.
 */
import { NodeCrypto } from "@effect/platform-node"
import { Clock, Effect, Layer, Stream } from "effect"
import { type HttpBody, HttpClient, HttpClientResponse } from "effect/http"
import * as Credentials from "../../src/Credentials.ts"
import * as MediaClient from "../../src/MediaClient.ts"
import * as XClient from "../../src/XClient.ts"

const latin1 = new TextDecoder("latin1")

/** The text fields of a multipart body (the part named `media` is left out). */
const multipartFields = (text: string): Record<string, string> => {
  const fields: Record<string, string> = {}
  for (const match of text.matchAll(/Content-Disposition: form-data; name="([^"]+)"\r\n\r\n([^\r]*)\r\n/g)) {
    if (match[1] !== undefined && match[2] !== undefined) fields[match[1]] = match[2]
  }
  return fields
}

const paramsOf = (url: URL, body: HttpBody.HttpBody) =>
  Effect.gen(function*() {
    const params: Record<string, string> = {}
    for (const [k, v] of url.searchParams) params[k] = v
    if (body._tag === "Uint8Array" && body.contentType === "application/x-www-form-urlencoded") {
      for (const [k, v] of new URLSearchParams(new TextDecoder().decode(body.body))) params[k] = v
    }
    if (body._tag === "Stream" && body.contentType.startsWith("multipart/form-data")) {
      const pieces = yield* Stream.runCollect(body.stream).pipe(Effect.orDie)
      Object.assign(params, multipartFields(pieces.map((piece) => latin1.decode(piece)).join("")))
    }
    return params
  })

export interface Sent {
  readonly method: string
  readonly url: string
  readonly params: Record<string, string>
  readonly headers: Record<string, string>
  readonly at: number
}

export interface Scripted {
  readonly status?: number
  readonly body?: unknown
  readonly text?: string
  readonly headers?: Record<string, string>
  /** How long (on the Clock) the answer takes. */
  readonly delayMillis?: number
}

export const makeScripted = (script: (sent: Sent, index: number) => Scripted) => {
  const sent: Array<Sent> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      const entry: Sent = {
        method: request.method,
        url: `${url.origin}${url.pathname}`,
        params: yield* paramsOf(url, request.body),
        headers: { ...request.headers },
        at
      }
      const index = sent.length
      sent.push(entry)
      const answer = script(entry, index)
      if (answer.delayMillis !== undefined) yield* Effect.sleep(answer.delayMillis)
      const text = answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body))
      return HttpClientResponse.fromWeb(
        request,
        new Response(answer.status === 204 ? null : text, {
          status: answer.status ?? 200,
          headers: { "content-type": "application/json", ...answer.headers }
        })
      )
    })
  )
  return { sent, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Credentials for tests against scripted answers (never real ones). */
export const testCredentials = {
  oauth1: Credentials.oauth1({
    consumerKey: "test-consumer-key",
    consumerSecret: "test-consumer-secret",
    accessToken: "1234-test-access-token",
    accessTokenSecret: "test-access-token-secret"
  }),
  oauth2: Credentials.oauth2("test-oauth2-token")
}

/**
 * A MediaClient and its XClient on a scripted X at http://x.test. Signs with OAuth 2.0, or OAuth
 * 1.0a for v1, which needs it (on node:crypto, synchronously, so TestClock timings stay exact).
 */
export const scriptedClient = (
  script: (sent: Sent, index: number) => Scripted,
  options: Partial<XClient.Options> = {}
) => {
  const scripted = makeScripted(script)
  const credentials = options.credentials ??
    (options.dialect === "v1" ? testCredentials.oauth1 : testCredentials.oauth2)
  return {
    sent: scripted.sent,
    layer: MediaClient.layer.pipe(
      Layer.provideMerge(XClient.layer({ baseUrl: "http://x.test", ...options, credentials })),
      // node:crypto signs and hashes synchronously: no real promise between a request and its
      // TestClock time (the upload's fingerprint uses the Digest too).
      Layer.provideMerge(Layer.mergeAll(scripted.layer, NodeCrypto.layerMac, NodeCrypto.layerDigest))
    )
  }
}
