import { describe, expect, it } from "@effect/vitest"
import {
  baseStringUri,
  hmacSha1Signature,
  NonceCache,
  parseAuthorizationHeader,
  parseParamString,
  percentEncode,
  signatureBaseString,
  verifyOAuth1
} from "../src/OAuth1.ts"

// Published vectors (x-media-api.md §5.2, §5.3).
const x = {
  consumerKey: "xvz1evFS4wEEPTGEFPHBog",
  consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
  token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
  tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
  nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
  timestamp: "1318622958"
}
const oauthParams = (extra: Record<string, string> = {}) =>
  [
    ["oauth_consumer_key", x.consumerKey],
    ["oauth_nonce", x.nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", x.timestamp],
    ["oauth_token", x.token],
    ["oauth_version", "1.0"],
    ...Object.entries(extra)
  ] as const

describe("OAuth 1.0a verification primitives", () => {
  it("percent-encodes as RFC 3986 (X's examples)", () => {
    expect(percentEncode("Ladies + Gentlemen")).toBe("Ladies%20%2B%20Gentlemen")
    expect(percentEncode("An encoded string!")).toBe("An%20encoded%20string%21")
    expect(percentEncode("Dogs, Cats & Mice")).toBe("Dogs%2C%20Cats%20%26%20Mice")
    expect(percentEncode("☃")).toBe("%E2%98%83")
    expect(percentEncode("*'()")).toBe("%2A%27%28%29")
  })

  it("reproduces X's signature example (V1, V2)", () => {
    const body = parseParamString("status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21") ?? []
    const params = [["include_entities", "true"] as const, ...body, ...oauthParams()]
    for (
      const [host, expected] of [
        ["api.twitter.com", "hCtSmYh+iHYCEqBWrE7C7hYmtUk="],
        ["api.x.com", "Ls93hJiZbQ3akF3HF3x1Bz8/zU4="]
      ] as const
    ) {
      const base = signatureBaseString("POST", baseStringUri("https", host, "/1.1/statuses/update.json"), params)
      expect(hmacSha1Signature(base, x.consumerSecret, x.tokenSecret)).toBe(expected)
    }
  })

  it("reproduces the RFC 5849 normalization vector R4 (duplicate keys, empty values, + in a form body)", () => {
    const query = parseParamString("b5=%3D%253D&a3=a&c%40=&a2=r%20b") ?? []
    const body = parseParamString("c2&a3=2+q") ?? []
    const params = [
      ...query,
      ...body,
      ["oauth_consumer_key", "9djdj82h48djs9d2"],
      ["oauth_token", "kkk9d7dh3k39sjv7"],
      ["oauth_signature_method", "HMAC-SHA1"],
      ["oauth_timestamp", "137131201"],
      ["oauth_nonce", "7d8f3e4a"]
    ] as const
    const base = signatureBaseString("POST", baseStringUri("http", "example.com", "/request"), params)
    expect(base).toBe(
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )
    expect(hmacSha1Signature(base, "j49sk3j29djd", "dh893hdasih9")).toBe("r6/TJjbCOr97/+UU0NsvSne7s5g=")
  })

  it("reproduces the derived media vectors D1 (urlencoded INIT), D2 (multipart APPEND) and D3 (STATUS)", () => {
    const uri = baseStringUri("https", "upload.twitter.com", "/1.1/media/upload.json")
    const d1 = [
      ...(parseParamString("command=INIT&total_bytes=4430752&media_type=video%2Fmp4&media_category=tweet_video") ?? []),
      ...oauthParams()
    ]
    expect(hmacSha1Signature(signatureBaseString("POST", uri, d1), x.consumerSecret, x.tokenSecret)).toBe(
      "oXaKQtWa6xz/eAMfb486632HfSk="
    )
    expect(hmacSha1Signature(signatureBaseString("POST", uri, oauthParams()), x.consumerSecret, x.tokenSecret)).toBe(
      "NMzR2ONZg7LB8GenCn/47b0dz4A="
    )
    const d3 = [["command", "STATUS"] as const, ["media_id", "710511363345354753"] as const, ...oauthParams()]
    expect(hmacSha1Signature(signatureBaseString("GET", uri, d3), x.consumerSecret, x.tokenSecret)).toBe(
      "no3JILvbM+3o5Q5R9fOmT/3BDSc="
    )
  })

  it("normalizes the base URI: lower-case scheme and host, default port dropped, other ports kept", () => {
    expect(baseStringUri("HTTP", "EXAMPLE.COM:80", "/r%20v/X")).toBe("http://example.com/r%20v/X")
    expect(baseStringUri("https", "www.example.net:8080", "/")).toBe("https://www.example.net:8080/")
    expect(baseStringUri("http", "127.0.0.1:43111", "/2/media/upload")).toBe("http://127.0.0.1:43111/2/media/upload")
  })

  it("parses the Authorization header and rejects garbage", () => {
    const parsed = parseAuthorizationHeader(
      `OAuth realm="Example", oauth_consumer_key="a%20b", oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D"`
    )
    expect(parsed?.get("oauth_consumer_key")).toBe("a b")
    expect(parsed?.get("oauth_signature")).toBe("tnnArxj06cWHq44gCs1OSKk/jLY=")
    expect(parsed?.has("realm")).toBe(false)
    expect(parseAuthorizationHeader("Bearer abc")).toBeUndefined()
    expect(parseAuthorizationHeader(`OAuth oauth_nonce=unquoted`)).toBeUndefined()
  })

  it("verifies the D5 request and refuses a replay of it", () => {
    const header = `OAuth oauth_consumer_key="${x.consumerKey}", oauth_nonce="${x.nonce}", oauth_signature="${
      encodeURIComponent("ZkMio+avf1tYkOY9L2zbmx4cVaM=")
    }", oauth_signature_method="HMAC-SHA1", oauth_timestamp="${x.timestamp}", oauth_token="${x.token}", oauth_version="1.0"`
    const verifier = {
      secretsOf: (token: string) =>
        token === x.token
          ? { consumerKey: x.consumerKey, consumerSecret: x.consumerSecret, accessTokenSecret: x.tokenSecret }
          : undefined,
      timestampWindowSecs: 300,
      now: () => Number(x.timestamp) * 1000 + 1000,
      nonces: new NonceCache()
    }
    const request = {
      method: "GET",
      scheme: "https",
      host: "api.x.com",
      path: "/2/media/upload",
      queryParams: [["command", "STATUS"], ["media_id", "1880028106020515840"]] as const,
      bodyParams: [],
      authorization: header
    }
    expect(verifyOAuth1(request, verifier)).toBeUndefined()
    expect(verifyOAuth1(request, verifier)).toBe("reused-nonce")
    expect(verifyOAuth1(request, { ...verifier, nonces: new NonceCache(), now: () => Date.now() })).toBe("clock-skew")
    expect(verifyOAuth1({ ...request, path: "/2/media/upload/" }, { ...verifier, nonces: new NonceCache() })).toBe(
      "bad-signature"
    )
    const otherToken = { ...request, authorization: header.replace(x.token, "1-someone-else") }
    expect(verifyOAuth1(otherToken, { ...verifier, nonces: new NonceCache() })).toBe("unknown-token")
    const otherApp = { ...request, authorization: header.replace(x.consumerKey, "another-app") }
    expect(verifyOAuth1(otherApp, { ...verifier, nonces: new NonceCache() })).toBe("unknown-consumer")
  })
})
