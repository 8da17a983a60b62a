/**
 * The emulator's own OAuth 1.0a (RFC 5849, HMAC-SHA1) verification, written independently of any client
 * code so it can catch a client's signing bugs: the base string is built from the method, the normalized
 * URL, the query parameters, the `oauth_*` parameters and — only for `application/x-www-form-urlencoded`
 * bodies — the body parameters; every key and value is RFC 3986 percent-encoded and the pairs are sorted
 * in byte order.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto"

/** A decoded `key=value` pair, in the order received. */
export type Param = readonly [key: string, value: string]

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex, UTF-8). */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * Parses a query string or `application/x-www-form-urlencoded` body (`+` is a space, `%XX` decoded).
 * Returns `undefined` when a `%` escape is malformed.
 */
export const parseParamString = (raw: string): ReadonlyArray<Param> | undefined => {
  const out: Array<Param> = []
  if (raw === "") return out
  try {
    for (const piece of raw.split("&")) {
      if (piece === "") continue
      const eq = piece.indexOf("=")
      const key = eq === -1 ? piece : piece.slice(0, eq)
      const value = eq === -1 ? "" : piece.slice(eq + 1)
      out.push([decodeURIComponent(key.replace(/\+/g, " ")), decodeURIComponent(value.replace(/\+/g, " "))])
    }
  } catch {
    return undefined
  }
  return out
}

/**
 * Parses `Authorization: OAuth k="v", …` into its decoded parameters (`realm` dropped). Returns
 * `undefined` when the header is not an OAuth header or a value cannot be decoded.
 */
export const parseAuthorizationHeader = (header: string): ReadonlyMap<string, string> | undefined => {
  const match = /^\s*OAuth\s+(.*)$/is.exec(header)
  if (match === null) return undefined
  const params = new Map<string, string>()
  const pattern = /\s*([^=,\s]+)\s*=\s*"([^"]*)"\s*(?:,|$)/gy
  const rest = match[1] ?? ""
  let consumed = 0
  let part: RegExpExecArray | null
  try {
    while ((part = pattern.exec(rest)) !== null) {
      consumed = pattern.lastIndex
      const key = decodeURIComponent(part[1] ?? "")
      if (key !== "realm") params.set(key, decodeURIComponent(part[2] ?? ""))
      if (pattern.lastIndex >= rest.length) break
    }
  } catch {
    return undefined
  }
  if (rest.slice(consumed).trim() !== "") return undefined
  return params
}

/**
 * The base string URI (RFC 5849 §3.4.1.2): lower-case scheme and host, default port dropped, the path as
 * sent, no query.
 */
export const baseStringUri = (scheme: string, host: string, path: string): string => {
  const lowerScheme = scheme.toLowerCase()
  let authority = host.toLowerCase()
  if (
    (lowerScheme === "http" && authority.endsWith(":80")) || (lowerScheme === "https" && authority.endsWith(":443"))
  ) {
    authority = authority.slice(0, authority.lastIndexOf(":"))
  }
  return `${lowerScheme}://${authority}${path === "" ? "/" : path}`
}

/** `METHOD&enc(uri)&enc(sorted, encoded k=v pairs joined by &)`. */
export const signatureBaseString = (method: string, uri: string, params: ReadonlyArray<Param>): string => {
  const encoded = params.map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  const normalized = encoded.map(([k, v]) => `${k}=${v}`).join("&")
  return `${method.toUpperCase()}&${percentEncode(uri)}&${percentEncode(normalized)}`
}

/** base64(HMAC-SHA1(enc(consumerSecret)&enc(tokenSecret), baseString)). */
export const hmacSha1Signature = (baseString: string, consumerSecret: string, tokenSecret: string): string =>
  createHmac("sha1", `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString).digest(
    "base64"
  )

/** Compares two signatures without leaking timing. */
export const signaturesEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Why an OAuth 1.0a request was refused. */
export type OAuth1Failure =
  | "malformed-header"
  | "unknown-consumer"
  | "unknown-token"
  | "unsupported-method"
  | "clock-skew"
  | "reused-nonce"
  | "bad-signature"

/** What the request carried, as the verifier needs it. */
export interface SignedRequest {
  readonly method: string
  /** `http` or `https`, as the client reached the emulator. */
  readonly scheme: string
  /** The `Host` header. */
  readonly host: string
  /** The path as sent, without the query. */
  readonly path: string
  readonly queryParams: ReadonlyArray<Param>
  /** Only for `application/x-www-form-urlencoded` bodies; empty otherwise. */
  readonly bodyParams: ReadonlyArray<Param>
  readonly authorization: string
}

/** What the verifier needs to know about the user an access token belongs to. */
export interface OAuth1Secrets {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly accessTokenSecret: string
}

/** The secrets and settings the verifier checks against. */
export interface OAuth1Verifier {
  /** The secrets of the user `accessToken` belongs to, or `undefined` for a token no user has. */
  readonly secretsOf: (accessToken: string) => OAuth1Secrets | undefined
  readonly timestampWindowSecs: number
  /** The real time in milliseconds (clients sign with their real clock). */
  readonly now: () => number
  readonly nonces: NonceCache
}

/** Nonces seen within the timestamp window, so a replayed request is refused. */
export class NonceCache {
  private readonly seen = new Map<string, number>()
  private lastPrune = 0

  /** Records `nonce`; returns false when it was already used within the window. */
  use(nonce: string, nowMillis: number, windowMillis: number): boolean {
    if (nowMillis - this.lastPrune > windowMillis) {
      // A nonce older than twice the window can only come with a timestamp the window refuses anyway.
      for (const [key, at] of this.seen) {
        if (nowMillis - at > 2 * windowMillis) this.seen.delete(key)
      }
      this.lastPrune = nowMillis
    }
    if (this.seen.has(nonce)) return false
    this.seen.set(nonce, nowMillis)
    return true
  }

  /** Forgets every nonce. */
  clear(): void {
    this.seen.clear()
  }
}

/**
 * Verifies an OAuth 1.0a request. Checks, in order: the header parses, the token belongs to a user and the
 * consumer key is that user's app, the method is HMAC-SHA1, the timestamp is within the window, the signature
 * matches, and the nonce is fresh (only a correctly signed request consumes a nonce).
 */
export const verifyOAuth1 = (request: SignedRequest, verifier: OAuth1Verifier): OAuth1Failure | undefined => {
  const oauth = parseAuthorizationHeader(request.authorization)
  if (oauth === undefined) return "malformed-header"
  const get = (key: string) => oauth.get(key)
  const signature = get("oauth_signature")
  const timestamp = get("oauth_timestamp")
  const nonce = get("oauth_nonce")
  if (signature === undefined || timestamp === undefined || nonce === undefined) return "malformed-header"
  const accessToken = get("oauth_token")
  const secrets = accessToken === undefined ? undefined : verifier.secretsOf(accessToken)
  if (secrets === undefined) return "unknown-token"
  if (get("oauth_consumer_key") !== secrets.consumerKey) return "unknown-consumer"
  if (get("oauth_signature_method") !== "HMAC-SHA1") return "unsupported-method"
  const version = get("oauth_version")
  if (version !== undefined && version !== "1.0") return "malformed-header"
  if (!/^\d{1,12}$/.test(timestamp)) return "clock-skew"
  const skewSecs = Math.abs(verifier.now() / 1000 - Number(timestamp))
  if (skewSecs > verifier.timestampWindowSecs) return "clock-skew"
  const params: Array<Param> = [...request.queryParams, ...request.bodyParams]
  for (const [key, value] of oauth) {
    if (key !== "oauth_signature") params.push([key, value])
  }
  const base = signatureBaseString(request.method, baseStringUri(request.scheme, request.host, request.path), params)
  const expected = hmacSha1Signature(base, secrets.consumerSecret, secrets.accessTokenSecret)
  if (!signaturesEqual(expected, signature)) return "bad-signature"
  if (!verifier.nonces.use(`${accessToken}:${nonce}`, verifier.now(), verifier.timestampWindowSecs * 1000)) {
    return "reused-nonce"
  }
  return undefined
}
