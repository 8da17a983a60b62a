import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as OAuth1 from "../src/OAuth1.ts"

// x-media-api.md §5.2: X's "Creating a signature" inputs, shared by V1–V3 and D1–D5.
const x = {
  consumerKey: "xvz1evFS4wEEPTGEFPHBog",
  consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
  token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
  tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
  nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
  timestamp: 1318622958
} as const

const statusBody = OAuth1.decodeForm(
  "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
)

const update = (url: string): OAuth1.SignatureInput => ({
  ...x,
  method: "POST",
  url: `${url}?include_entities=true`,
  parameters: statusBody
})

const xParameterString =
  "include_entities=true&oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&oauth_nonce=kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318622958&oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&oauth_version=1.0&status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"

const v2BaseString =
  "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"

describe("percentEncode (§5.1 step 4)", () => {
  it("matches X's examples", () => {
    expect(OAuth1.percentEncode("Ladies + Gentlemen")).toBe("Ladies%20%2B%20Gentlemen")
    expect(OAuth1.percentEncode("An encoded string!")).toBe("An%20encoded%20string%21")
    expect(OAuth1.percentEncode("Dogs, Cats & Mice")).toBe("Dogs%2C%20Cats%20%26%20Mice")
    expect(OAuth1.percentEncode("☃")).toBe("%E2%98%83")
  })

  it("encodes what encodeURIComponent leaves alone, keeps only the unreserved set", () => {
    expect(OAuth1.percentEncode("!*'()")).toBe("%21%2A%27%28%29")
    expect(OAuth1.percentEncode("AZaz09-._~")).toBe("AZaz09-._~")
    expect(OAuth1.percentEncode(" ")).toBe("%20")
    expect(OAuth1.percentEncode("/?#[]@$&+,;=%")).toBe("%2F%3F%23%5B%5D%40%24%26%2B%2C%3B%3D%25")
    expect(OAuth1.percentEncode("é😀")).toBe("%C3%A9%F0%9F%98%80")
  })
})

describe("parameterString", () => {
  it("sorts in byte order, not localeCompare", () => {
    const params = ["a", "Z", "_x", "B"].map((k) => [k, "1"] as const)
    expect(OAuth1.parameterString(params)).toBe("B=1&Z=1&_x=1&a=1")
  })

  it("sorts equal names by encoded value and keeps duplicates", () => {
    expect(OAuth1.parameterString([["a", "b"], ["a", "a"], ["a", " "], ["a", "a"]])).toBe("a=%20&a=a&a=a&a=b")
  })

  it("gives X's parameter string for V1-V3", () => {
    expect(OAuth1.parameterString(OAuth1.signedParameters(update("https://api.x.com/1.1/statuses/update.json"))))
      .toBe(xParameterString)
  })
})

describe("baseUrl (RFC 5849 §3.4.1.2)", () => {
  it("lower-cases scheme and host and drops the default port", () => {
    expect(OAuth1.baseUrl("http://EXAMPLE.COM:80/r%20v/X?id=123")).toBe("http://example.com/r%20v/X")
  })

  it("keeps a non-default port and the root path, drops the query", () => {
    expect(OAuth1.baseUrl("https://www.example.net:8080/?q=1")).toBe("https://www.example.net:8080/")
  })

  it("drops 443 for https, keeps 443 for http and 80 for https, drops the fragment", () => {
    expect(OAuth1.baseUrl("HTTPS://Api.X.com:443/2/media/upload#frag")).toBe("https://api.x.com/2/media/upload")
    expect(OAuth1.baseUrl("http://example.com:443/a")).toBe("http://example.com:443/a")
    expect(OAuth1.baseUrl("https://example.com:80/a")).toBe("https://example.com:80/a")
    expect(OAuth1.baseUrl("https://example.com")).toBe("https://example.com/")
  })
})

describe("X's published vectors (§5.2)", () => {
  it.effect("V1: api.twitter.com 1.1", () =>
    Effect.gen(function*() {
      const input = update("https://api.twitter.com/1.1/statuses/update.json")
      expect(OAuth1.signatureBaseString(input)).toBe(v2BaseString.replace("api.x.com", "api.twitter.com"))
      expect(OAuth1.signingKey(x.consumerSecret, x.tokenSecret))
        .toBe("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
      expect(yield* OAuth1.signature(input)).toBe("hCtSmYh+iHYCEqBWrE7C7hYmtUk=")
    }))

  it.effect("V2: api.x.com 1.1, with its base string", () =>
    Effect.gen(function*() {
      const input = update("https://api.x.com/1.1/statuses/update.json")
      const base = OAuth1.signatureBaseString(input)
      expect(base).toBe(v2BaseString)
      expect(base.split("&")).toHaveLength(3)
      expect(yield* OAuth1.signature(input)).toBe("Ls93hJiZbQ3akF3HF3x1Bz8/zU4=")
    }))

  it.effect("V3: api.twitter.com/1 and X's header example", () =>
    Effect.gen(function*() {
      const { header, signature } = yield* OAuth1.sign(update("https://api.twitter.com/1/statuses/update.json"))
      expect(signature).toBe("tnnArxj06cWHq44gCs1OSKk/jLY=")
      expect(header).toBe(
        "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", oauth_signature=\"tnnArxj06cWHq44gCs1OSKk%2FjLY%3D\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
      )
    }))
})

describe("RFC 5849 vectors", () => {
  const photos = { consumerKey: "dpf43f3p2l4k3l03", consumerSecret: "kd94hf93k423kf44", includeVersion: false } as const

  it.effect("R1: temporary credentials (oauth_callback, no token)", () =>
    Effect.gen(function*() {
      const input: OAuth1.SignatureInput = {
        ...photos,
        method: "POST",
        url: "https://photos.example.net/initiate",
        nonce: "wIjqoS",
        timestamp: 137131200,
        oauthParameters: [["oauth_callback", "http://printer.example.com/ready"], ["realm", "Photos"]]
      }
      expect(OAuth1.signatureBaseString(input)).toBe(
        "POST&https%3A%2F%2Fphotos.example.net%2Finitiate&oauth_callback%3Dhttp%253A%252F%252Fprinter.example.com%252Fready%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DwIjqoS%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131200"
      )
      expect(OAuth1.signingKey(photos.consumerSecret)).toBe("kd94hf93k423kf44&")
      expect(yield* OAuth1.signature(input)).toBe("74KNZJeDHnMBp0EMJ9ZHt/XKycU=")
    }))

  it.effect("R2: token credentials (oauth_verifier)", () =>
    Effect.gen(function*() {
      const signature = yield* OAuth1.signature({
        ...photos,
        method: "POST",
        url: "https://photos.example.net/token",
        token: "hh5s93j4hdidpola",
        tokenSecret: "hdhd0244k9j7ao03",
        nonce: "walatlh",
        timestamp: 137131201,
        oauthParameters: [["oauth_verifier", "hfdp7dh39dks9884"]]
      })
      expect(signature).toBe("gKgrFCywp7rO0OXSjdot/IHF7IU=")
    }))

  const r3 = (scheme: string): OAuth1.SignatureInput => ({
    ...photos,
    method: "GET",
    url: `${scheme}://photos.example.net/photos?file=vacation.jpg&size=original`,
    token: "nnch734d00sl2jdk",
    tokenSecret: "pfkkdhi9sl3r4s00",
    nonce: "chapoH",
    timestamp: "137131202"
  })

  it.effect("R3: resource request over http, and its https variant", () =>
    Effect.gen(function*() {
      expect(OAuth1.signatureBaseString(r3("http"))).toBe(
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
      )
      expect(yield* OAuth1.signature(r3("http"))).toBe("MdpQcU8iPSUjWoN/UDMsK2sui9I=")
      expect(yield* OAuth1.signature(r3("https"))).toBe("91yh92rtXzicpezVYjTDNzieVps=")
    }))

  it.effect("R4: normalization (duplicates, empty values, + in a form body, pre-encoded %3D, realm)", () =>
    Effect.gen(function*() {
      const body = OAuth1.decodeForm("c2&a3=2+q")
      expect(body).toEqual([["c2", ""], ["a3", "2 q"]])
      const input: OAuth1.SignatureInput = {
        method: "post",
        url: "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        parameters: body,
        consumerKey: "9djdj82h48djs9d2",
        consumerSecret: "j49sk3j29djd",
        token: "kkk9d7dh3k39sjv7",
        tokenSecret: "dh893hdasih9",
        nonce: "7d8f3e4a",
        timestamp: 137131201,
        includeVersion: false,
        oauthParameters: [["realm", "Example"]]
      }
      expect(OAuth1.signedParameters(input).slice(0, 6)).toEqual([
        ["b5", "=%3D"],
        ["a3", "a"],
        ["c@", ""],
        ["a2", "r b"],
        ["c2", ""],
        ["a3", "2 q"]
      ])
      expect(OAuth1.parameterString(OAuth1.signedParameters(input))).toBe(
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
      )
      expect(OAuth1.signatureBaseString(input)).toBe(
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
      )
      expect(yield* OAuth1.signature(input)).toBe("r6/TJjbCOr97/+UU0NsvSne7s5g=")
    }))
})

describe("oauth-sign vectors (old Twitter docs)", () => {
  it.effect("request_token", () =>
    Effect.gen(function*() {
      const signature = yield* OAuth1.signature({
        method: "POST",
        url: "https://api.twitter.com/oauth/request_token",
        consumerKey: "GDdmIQH6jhtmLUypg82g",
        consumerSecret: "MCD8BKwGdgPHvAuvgvz4EQpqDAtx89grbuNMRd7Eh98",
        nonce: "QP70eNmVz8jvdPevU3oJD2AfF7R7odC2XJcn4XlZJqk",
        timestamp: 1272323042,
        oauthParameters: [["oauth_callback", "http://localhost:3005/the_dance/process_callback?service_provider_id=11"]]
      })
      expect(signature).toBe("8wUi7m5HFQy76nowoCThusfgB+Q=")
    }))

  it.effect("access_token", () =>
    Effect.gen(function*() {
      const signature = yield* OAuth1.signature({
        method: "POST",
        url: "https://api.twitter.com/oauth/access_token",
        consumerKey: "GDdmIQH6jhtmLUypg82g",
        consumerSecret: "MCD8BKwGdgPHvAuvgvz4EQpqDAtx89grbuNMRd7Eh98",
        token: "8ldIZyxQeVrFZXFOZH5tAwj6vzJYuLQpl0WUEYtWc",
        tokenSecret: "x6qpRnlEmW9JbQn4PQVVeVG8ZLPEx6A0TOebgwcuA",
        nonce: "9zWH6qe0qG7Lc1telCn7FhUbLyVdjEaL3MO5uHxn8",
        timestamp: 1272323047,
        oauthParameters: [["oauth_verifier", "pDNg57prOHapMbhv25RNf75lVRd6JDsni1AJJIDYoTY"]]
      })
      expect(signature).toBe("PUw/dHA4fnlJYM6RhXk5IU/0fCc=")
    }))
})

describe("derived media vectors (§5.3)", () => {
  const v1Upload = "https://upload.twitter.com/1.1/media/upload.json"

  it.effect("D1: urlencoded INIT, body params signed", () =>
    Effect.gen(function*() {
      const input: OAuth1.SignatureInput = {
        ...x,
        method: "POST",
        url: v1Upload,
        parameters: OAuth1.decodeForm(
          "command=INIT&total_bytes=4430752&media_type=video%2Fmp4&media_category=tweet_video"
        )
      }
      expect(OAuth1.signatureBaseString(input)).toBe(
        "POST&https%3A%2F%2Fupload.twitter.com%2F1.1%2Fmedia%2Fupload.json&command%3DINIT%26media_category%3Dtweet_video%26media_type%3Dvideo%252Fmp4%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26total_bytes%3D4430752"
      )
      expect(yield* OAuth1.signature(input)).toBe("oXaKQtWa6xz/eAMfb486632HfSk=")
    }))

  it.effect("D2: multipart APPEND, only oauth_* signed", () =>
    Effect.gen(function*() {
      const input: OAuth1.SignatureInput = { ...x, method: "POST", url: v1Upload }
      expect(OAuth1.signatureBaseString(input)).toBe(
        "POST&https%3A%2F%2Fupload.twitter.com%2F1.1%2Fmedia%2Fupload.json&oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0"
      )
      expect(yield* OAuth1.signature(input)).toBe("NMzR2ONZg7LB8GenCn/47b0dz4A=")
    }))

  it.effect("D3: v1.1 STATUS, query params signed", () =>
    Effect.gen(function*() {
      const signature = yield* OAuth1.signature({
        ...x,
        method: "GET",
        url: `${v1Upload}?command=STATUS&media_id=710511363345354753`
      })
      expect(signature).toBe("no3JILvbM+3o5Q5R9fOmT/3BDSc=")
    }))

  it.effect("D4: v2 initialize, JSON body not signed", () =>
    Effect.gen(function*() {
      const signature = yield* OAuth1.signature({
        ...x,
        method: "POST",
        url: "https://api.x.com/2/media/upload/initialize"
      })
      expect(signature).toBe("jUP3qr04mgcjK6/SQrvXLoGzZUs=")
    }))

  it.effect("D5: v2 STATUS, query params signed", () =>
    Effect.gen(function*() {
      const input: OAuth1.SignatureInput = {
        ...x,
        method: "GET",
        url: "https://api.x.com/2/media/upload?command=STATUS&media_id=1880028106020515840"
      }
      expect(OAuth1.signatureBaseString(input)).toBe(
        "GET&https%3A%2F%2Fapi.x.com%2F2%2Fmedia%2Fupload&command%3DSTATUS%26media_id%3D1880028106020515840%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0"
      )
      expect(yield* OAuth1.signature(input)).toBe("ZkMio+avf1tYkOY9L2zbmx4cVaM=")
    }))
})
