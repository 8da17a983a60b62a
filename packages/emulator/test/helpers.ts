/**
 * Test helpers: a plain HTTP client over `fetch` (not our library), a tiny OAuth 1.0a signer written here
 * with node:crypto (independent of the emulator's verifier), file fixtures, and a way to run a test against
 * a fresh emulator.
 */
import { Effect } from "effect"
import { createHash, createHmac, randomBytes } from "node:crypto"
import { Emulator, type EmulatorCredentials, type EmulatorHandle, type EmulatorOptions } from "../src/index.ts"

/**
 * Where a helper sends and whose credentials it uses: an emulator handle (its first user), or
 * `as(emulator, n)` for another user.
 */
export interface Client {
  readonly url: string
  readonly credentials: EmulatorCredentials
}

/** The id of the emulator's user number `index` (0 is the first user). */
export const userId = (emulator: EmulatorHandle, index: number): string => {
  const user = emulator.users[index]
  if (user === undefined) throw new Error(`the emulator has no user ${index}`)
  return user.id
}

/** The emulator as its user number `index` (0 is the first user). */
export const as = (emulator: EmulatorHandle, index: number): Client => {
  const user = emulator.users[index]
  if (user === undefined) throw new Error(`the emulator has no user ${index}`)
  return { url: emulator.url, credentials: user.credentials }
}

/** Runs `f` against a fresh emulator that stops when `f` ends. */
export const withEmulator = <A, E>(
  options: EmulatorOptions,
  f: (emulator: EmulatorHandle) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    return yield* f(emulator)
  }).pipe(Effect.provide(Emulator.layer(options)))

/** What the client saw. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body parsed with plain `JSON.parse` (ids as numbers get rounded), or `undefined`. */
  readonly json: unknown
  /** Milliseconds the request took. */
  readonly millis: number
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The value at `path` inside parsed JSON, or `undefined`. */
export const at = (value: unknown, ...path: ReadonlyArray<string | number>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<string | number, unknown>)[key]
  }
  return current
}

/** The string at `path` inside parsed JSON; throws when it is not a string. */
export const str = (value: unknown, ...path: ReadonlyArray<string | number>): string => {
  const found = at(value, ...path)
  if (typeof found !== "string") throw new Error(`expected a string at ${path.join(".")}, got ${JSON.stringify(found)}`)
  return found
}

/** Sends a request with `fetch`; fails when the connection breaks without an answer. */
export const send = (url: string, init: RequestInit = {}) =>
  Effect.tryPromise({
    try: async (): Promise<Answer> => {
      const started = performance.now()
      const response = await fetch(url, init)
      const text = await response.text()
      return {
        status: response.status,
        headers: response.headers,
        text,
        json: parse(text),
        millis: performance.now() - started
      }
    },
    catch: (cause) => new Error(`request failed: ${String(cause)}`, { cause })
  })

// ---------------------------------------------------------------------------------------------------------
// OAuth 1.0a signer (RFC 5849 §3.4, HMAC-SHA1), written for the tests only.

const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** Options to produce deliberately wrong signatures. */
export interface SignOptions {
  readonly nonce?: string
  readonly timestamp?: number
  /** Sign with this consumer secret instead (a bad signature). */
  readonly consumerSecret?: string
  /** Leave the urlencoded body parameters out of the signature (a classic client bug). */
  readonly skipBodyParams?: boolean
}

/** `Authorization: OAuth …` for a request: query params and urlencoded `bodyParams` are signed. */
export const oauth1Header = (
  credentials: EmulatorCredentials,
  method: string,
  url: string,
  bodyParams: ReadonlyArray<readonly [string, string]> = [],
  options: SignOptions = {}
): string => {
  const target = new URL(url)
  const oauth: Record<string, string> = {
    oauth_consumer_key: credentials.consumerKey,
    oauth_nonce: options.nonce ?? randomBytes(16).toString("hex"),
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_token: credentials.accessToken,
    oauth_version: "1.0"
  }
  const pairs = [
    ...target.searchParams,
    ...(options.skipBodyParams ? [] : bodyParams),
    ...Object.entries(oauth)
  ].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  const base = [
    method.toUpperCase(),
    rfc3986(`${target.protocol}//${target.host}${target.pathname}`),
    rfc3986(pairs.map(([k, v]) => `${k}=${v}`).join("&"))
  ].join("&")
  const key = `${rfc3986(options.consumerSecret ?? credentials.consumerSecret)}&${
    rfc3986(credentials.accessTokenSecret)
  }`
  const signature = createHmac("sha1", key).update(base).digest("base64")
  return "OAuth " +
    Object.entries({ ...oauth, oauth_signature: signature })
      .map(([k, v]) => `${k}="${rfc3986(v)}"`)
      .join(", ")
}

// ---------------------------------------------------------------------------------------------------------
// v1.1 client

/** A signed urlencoded POST to `/1.1/media/upload.json`. */
export const v1Post = (
  emulator: Client,
  params: ReadonlyArray<readonly [string, string]>,
  options: SignOptions = {}
) => {
  const url = `${emulator.url}/1.1/media/upload.json`
  return send(url, {
    method: "POST",
    headers: {
      authorization: oauth1Header(emulator.credentials, "POST", url, params, options),
      "content-type": "application/x-www-form-urlencoded"
    },
    body: new URLSearchParams(params.map(([k, v]) => [k, v])).toString()
  })
}

/**
 * A signed multipart POST to `/1.1/media/upload.json`: the `fields`, then the bytes as `media` (raw) or
 * `media_data` (base64). Only the oauth_* and query parameters are signed.
 */
const v1Multipart = (
  emulator: Client,
  fields: ReadonlyArray<readonly [string, string]>,
  bytes: Uint8Array<ArrayBuffer>,
  as: "media" | "media_data",
  query = ""
) => {
  const url = `${emulator.url}/1.1/media/upload.json${query === "" ? "" : `?${query}`}`
  const form = new FormData()
  for (const [name, value] of fields) form.set(name, value)
  if (as === "media") form.set("media", new Blob([bytes]))
  else form.set("media_data", Buffer.from(bytes).toString("base64"))
  return send(url, {
    method: "POST",
    headers: { authorization: oauth1Header(emulator.credentials, "POST", url) },
    body: form
  })
}

/** A signed multipart APPEND. */
export const v1Append = (
  emulator: Client,
  mediaId: string,
  segmentIndex: number,
  bytes: Uint8Array<ArrayBuffer>,
  as: "media" | "media_data" = "media"
) =>
  v1Multipart(
    emulator,
    [["command", "APPEND"], ["media_id", mediaId], ["segment_index", String(segmentIndex)]],
    bytes,
    as
  )

/** v1.1's simple upload: the media without a command, with its parameters in the (signed) `query`. */
export const v1SimpleUpload = (
  emulator: Client,
  bytes: Uint8Array<ArrayBuffer>,
  query = "",
  as: "media" | "media_data" = "media"
) => v1Multipart(emulator, [], bytes, as, query)

/** A signed `GET …?command=STATUS&media_id=…`. */
export const v1Status = (emulator: Client, mediaId: string) => {
  const url = `${emulator.url}/1.1/media/upload.json?command=STATUS&media_id=${mediaId}`
  return send(url, { headers: { authorization: oauth1Header(emulator.credentials, "GET", url) } })
}

/** INIT, APPEND of every chunk, FINALIZE over v1.1; returns the media id string and the FINALIZE answer. */
export const v1Upload = (
  emulator: Client,
  bytes: Uint8Array<ArrayBuffer>,
  mediaType: string,
  chunkSize: number,
  category?: string
) =>
  Effect.gen(function*() {
    const init = yield* v1Post(emulator, [
      ["command", "INIT"],
      ["total_bytes", String(bytes.length)],
      ["media_type", mediaType],
      ...(category === undefined ? [] : [["media_category", category] as const])
    ])
    if (init.status !== 202) throw new Error(`INIT failed: ${init.status} ${init.text}`)
    const id = str(init.json, "media_id_string")
    for (let i = 0, at = 0; at < bytes.length; i++, at += chunkSize) {
      const appended = yield* v1Append(emulator, id, i, bytes.subarray(at, at + chunkSize))
      if (appended.status !== 204) throw new Error(`APPEND failed: ${appended.status} ${appended.text}`)
    }
    const finalize = yield* v1Post(emulator, [["command", "FINALIZE"], ["media_id", id]])
    return { id, init, finalize }
  })

// ---------------------------------------------------------------------------------------------------------
// v2 client (OAuth 2.0 bearer unless told otherwise)

/** Bearer authorization for the emulator's OAuth 2.0 token. */
export const bearer = (emulator: Client) => ({ authorization: `Bearer ${emulator.credentials.oauth2Token}` })

/** `POST /2/media/upload/initialize` with a JSON body. */
export const v2Init = (emulator: Client, body: unknown) =>
  send(`${emulator.url}/2/media/upload/initialize`, {
    method: "POST",
    headers: { ...bearer(emulator), "content-type": "application/json" },
    body: JSON.stringify(body)
  })

/** `POST /2/media/upload/{id}/append`, multipart (raw bytes) or JSON (base64). */
export const v2Append = (
  emulator: Client,
  id: string,
  segmentIndex: number,
  bytes: Uint8Array<ArrayBuffer>,
  as: "multipart" | "json" = "multipart"
) => {
  const url = `${emulator.url}/2/media/upload/${id}/append`
  if (as === "json") {
    return send(url, {
      method: "POST",
      headers: { ...bearer(emulator), "content-type": "application/json" },
      body: JSON.stringify({ segment_index: segmentIndex, media: Buffer.from(bytes).toString("base64") })
    })
  }
  const form = new FormData()
  form.set("segment_index", String(segmentIndex))
  form.set("media", new Blob([bytes]))
  return send(url, { method: "POST", headers: bearer(emulator), body: form })
}

/** `POST /2/media/upload/{id}/finalize`. */
export const v2Finalize = (emulator: Client, id: string) =>
  send(`${emulator.url}/2/media/upload/${id}/finalize`, { method: "POST", headers: bearer(emulator) })

/** `GET /2/media/upload?command=STATUS&media_id=…`. */
export const v2Status = (emulator: Client, id: string) =>
  send(`${emulator.url}/2/media/upload?command=STATUS&media_id=${id}`, { headers: bearer(emulator) })

/** INIT, APPEND of every chunk, FINALIZE over v2; returns the id and the FINALIZE answer. */
export const v2Upload = (
  emulator: Client,
  bytes: Uint8Array<ArrayBuffer>,
  mediaType: string,
  chunkSize: number,
  category?: string
) =>
  Effect.gen(function*() {
    const init = yield* v2Init(emulator, {
      media_type: mediaType,
      total_bytes: bytes.length,
      ...(category === undefined ? {} : { media_category: category })
    })
    if (init.status !== 200) throw new Error(`INIT failed: ${init.status} ${init.text}`)
    const id = str(init.json, "data", "id")
    for (let i = 0, at = 0; at < bytes.length; i++, at += chunkSize) {
      const appended = yield* v2Append(
        emulator,
        id,
        i,
        bytes.subarray(at, at + chunkSize),
        i % 2 === 0 ? "multipart" : "json"
      )
      if (appended.status !== 200) throw new Error(`APPEND failed: ${appended.status} ${appended.text}`)
    }
    const finalize = yield* v2Finalize(emulator, id)
    return { id, init, finalize }
  })

// ---------------------------------------------------------------------------------------------------------
// Fixtures

/** `size` bytes that look like an MP4 (an `ftyp` box at offset 4), the rest random. */
export const mp4Bytes = (size: number): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(randomBytes(Math.max(size, 12)))
  bytes.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d], 0)
  return bytes.subarray(0, size)
}

/** A PNG header of `w`×`h` followed by random bytes, `size` bytes in all. */
export const pngBytes = (size: number, w = 800, h = 320): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(randomBytes(Math.max(size, 33)))
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52], 0)
  new DataView(bytes.buffer).setUint32(16, w)
  new DataView(bytes.buffer).setUint32(20, h)
  return bytes.subarray(0, size)
}

/** A GIF header of `w`×`h` followed by random bytes. */
export const gifBytes = (size: number, w = 320, h = 240): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(randomBytes(Math.max(size, 10)))
  bytes.set([0x47, 0x49, 0x46, 0x38, 0x39, 0x61], 0)
  new DataView(bytes.buffer).setUint16(6, w, true)
  new DataView(bytes.buffer).setUint16(8, h, true)
  return bytes.subarray(0, size)
}

/** Hex SHA-256. */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

// ---------------------------------------------------------------------------------------------------------
// JSON endpoints (posts, subtitles, metadata) in either auth scheme

/** Which credentials a request carries: the OAuth 2.0 token, or an OAuth 1.0a signature (JSON bodies unsigned). */
export type Scheme = "oauth2" | "oauth1"

/** A JSON request to a v2 path as the client's user. */
export const v2Json = (emulator: Client, method: string, path: string, body: unknown, scheme: Scheme = "oauth2") => {
  const url = `${emulator.url}${path}`
  const authorization = scheme === "oauth2"
    ? `Bearer ${emulator.credentials.oauth2Token}`
    : oauth1Header(emulator.credentials, method, url)
  return send(url, {
    method,
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
}

/** `POST /2/tweets`. */
export const createPost = (emulator: Client, body: unknown, scheme: Scheme = "oauth2") =>
  v2Json(emulator, "POST", "/2/tweets", body, scheme)

/** STATUS until the media is `succeeded` or `failed` (processing with `checkAfterSecs: 0` advances on each). */
export const v2UntilProcessed = (emulator: Client, id: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 20; i++) {
      const answer = yield* v2Status(emulator, id)
      const state = at(answer.json, "data", "processing_info", "state")
      if (state === undefined || state === "succeeded" || state === "failed") return answer
    }
    throw new Error(`media ${id} did not finish processing`)
  })

/** Uploads over v2 and waits until the media is ready; returns its id. */
export const v2Ready = (
  emulator: Client,
  bytes: Uint8Array<ArrayBuffer>,
  mediaType: string,
  category?: string
) =>
  Effect.gen(function*() {
    const { id, finalize } = yield* v2Upload(emulator, bytes, mediaType, Math.max(bytes.length, 1), category)
    if (finalize.status !== 200) throw new Error(`FINALIZE failed: ${finalize.status} ${finalize.text}`)
    if (at(finalize.json, "data", "processing_info") !== undefined) yield* v2UntilProcessed(emulator, id)
    return id
  })

/** An SRT file with one cue. */
export const srtBytes = (text = "Hello"): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(`1\r\n00:00:01,000 --> 00:00:04,000\r\n${text}\r\n`))

/** A WebVTT file with one cue. */
export const vttBytes = (text = "Hello"): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(`WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n${text}\n`))

/** The v2 "Invalid Request" problem X answers for bad parameters of a post. */
export const invalidParameter = (parameter: string, values: ReadonlyArray<string>, message: string) => ({
  errors: [{ parameters: { [parameter]: values }, message }],
  title: "Invalid Request",
  detail: "One or more parameters to your request was invalid.",
  type: "https://api.twitter.com/2/problems/invalid-request"
})
