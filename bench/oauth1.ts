/**
 * A minimal OAuth 1.0a (HMAC-SHA1) signer for the raw baseline uploader, written on node:crypto as a
 * hand-rolled client would: so the baseline pays the same per-request signing cost as the library.
 *
 * @module
 */
import { createHmac, randomBytes } from "node:crypto"
import type { JobCredentials } from "./job.ts"

/** RFC 3986 percent-encoding, as OAuth 1.0a requires. */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * The `Authorization` header for a request. `url` is the full URL without query; `params` are the query
 * parameters (and urlencoded body parameters, if any): JSON and multipart bodies are not signed.
 */
export const authorization = (
  credentials: JobCredentials,
  method: string,
  url: string,
  params: ReadonlyArray<readonly [string, string]> = []
): string => {
  const oauth: Array<readonly [string, string]> = [
    ["oauth_consumer_key", credentials.consumerKey],
    ["oauth_nonce", randomBytes(16).toString("hex")],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(Math.floor(Date.now() / 1000))],
    ["oauth_token", credentials.accessToken],
    ["oauth_version", "1.0"]
  ]
  const normalized = [...params, ...oauth]
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&")
  const base = `${method.toUpperCase()}&${percentEncode(url)}&${percentEncode(normalized)}`
  const key = `${percentEncode(credentials.consumerSecret)}&${percentEncode(credentials.accessTokenSecret)}`
  const signature = createHmac("sha1", key).update(base).digest("base64")
  return `OAuth ${
    [...oauth, ["oauth_signature", signature] as const]
      .map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`)
      .join(", ")
  }`
}
