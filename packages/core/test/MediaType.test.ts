import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import {
  isMediaType,
  MediaType,
  mediaTypeFromFileName,
  mediaTypes,
  normalizeMediaType,
  resolveMediaType,
  sniffLength,
  sniffMediaType
} from "../src/MediaType.ts"

type Part = string | ReadonlyArray<number> | Uint8Array

/** Concatenates parts; strings are taken byte for byte (latin1). */
const bytes = (...parts: ReadonlyArray<Part>): Uint8Array => {
  const arrays = parts.map((p) =>
    typeof p === "string" ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : Uint8Array.from(p)
  )
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0))
  let at = 0
  for (const a of arrays) {
    out.set(a, at)
    at += a.length
  }
  return out
}

const u32be = (n: number): ReadonlyArray<number> => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const u32le = (n: number): ReadonlyArray<number> => [...u32be(n)].reverse()
const u16le = (n: number): ReadonlyArray<number> => [n & 0xff, (n >>> 8) & 0xff]
const zeros = (n: number): Uint8Array => new Uint8Array(n)

/** A deterministic PRNG (mulberry32), so failures reproduce. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const box = (type: string, payload: Part = []): Uint8Array => {
  const body = bytes(payload)
  return bytes(u32be(8 + body.length), type, body)
}
const ftyp = (brand: string, compatible: ReadonlyArray<string> = ["isom"]) =>
  box("ftyp", bytes(brand, u32be(0x200), ...compatible))

/** An EBML header with the given DocType, like the start of a WebM or Matroska file. */
const ebml = (docType: string): Uint8Array => {
  const children = bytes(
    [0x42, 0x86, 0x81, 0x01], // EBMLVersion 1
    [0x42, 0xf7, 0x81, 0x01], // EBMLReadVersion 1
    [0x42, 0xf2, 0x81, 0x04], // EBMLMaxIDLength 4
    [0x42, 0xf3, 0x81, 0x08], // EBMLMaxSizeLength 8
    [0x42, 0x82, 0x80 | docType.length],
    docType, // DocType
    [0x42, 0x87, 0x81, 0x04], // DocTypeVersion
    [0x42, 0x85, 0x81, 0x02] // DocTypeReadVersion
  )
  return bytes([0x1a, 0x45, 0xdf, 0xa3, 0x80 | children.length], children, [0x18, 0x53, 0x80, 0x67, 0x01])
}

const tsPackets = (n: number): Uint8Array => {
  const out = new Uint8Array(188 * n)
  for (let i = 0; i < n; i++) out.set([0x47, 0x40, 0x00, 0x10], i * 188)
  return out
}

const zipEntry = (name: string): Uint8Array =>
  bytes([0x50, 0x4b, 0x03, 0x04], zeros(22), u16le(name.length), u16le(0), name, "#usda 1.0\n")

const bmpHeader = (dibSize = 40, dataOffset = 54, fileSize = 70): Uint8Array =>
  bytes("BM", u32le(fileSize), u32le(0), u32le(dataOffset), u32le(dibSize), u32le(2), u32le(2), zeros(20))

const sniff = (head: Uint8Array) => Option.getOrUndefined(sniffMediaType(head))

describe("MediaType", () => {
  it("is a schema of exactly the 15 types of X's INIT enum", () => {
    expect(mediaTypes).toHaveLength(15)
    expect(new Set(mediaTypes).size).toBe(15)
    for (const type of mediaTypes) expect(Schema.decodeUnknownSync(MediaType)(type)).toBe(type)
    expect(isMediaType("video/x-matroska")).toBe(false)
    expect(isMediaType("VIDEO/MP4")).toBe(false)
    expect(sniffLength).toBeGreaterThanOrEqual(4096)
  })

  describe("sniffMediaType", () => {
    const positives: ReadonlyArray<readonly [string, Uint8Array, MediaType]> = [
      ["JPEG (JFIF)", bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], "JFIF\0"), "image/jpeg"],
      ["JPEG (Exif), only the 3 signature bytes", bytes([0xff, 0xd8, 0xff]), "image/jpeg"],
      ["PNG", bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), "IHDR"), "image/png"],
      ["GIF87a", bytes("GIF87a", [1, 0, 1, 0]), "image/gif"],
      ["GIF89a", bytes("GIF89a", [1, 0, 1, 0]), "image/gif"],
      ["WebP", bytes("RIFF", u32le(100), "WEBPVP8 "), "image/webp"],
      ["BMP (BITMAPINFOHEADER)", bmpHeader(), "image/bmp"],
      ["BMP (BITMAPV5HEADER, size 0)", bmpHeader(124, 138, 0), "image/bmp"],
      ["BMP (OS/2 core header)", bmpHeader(12, 26, 40), "image/bmp"],
      ["TIFF little-endian", bytes([0x49, 0x49, 0x2a, 0x00], u32le(8)), "image/tiff"],
      ["TIFF big-endian", bytes([0x4d, 0x4d, 0x00, 0x2a], u32be(8)), "image/tiff"],
      ["MP4 (isom)", bytes(ftyp("isom", ["isom", "iso2", "avc1", "mp41"]), box("free"), box("mdat")), "video/mp4"],
      ["MP4 (mp42)", ftyp("mp42"), "video/mp4"],
      ["MP4 (M4V )", ftyp("M4V "), "video/mp4"],
      ["MP4 (3gp5)", ftyp("3gp5"), "video/mp4"],
      ["QuickTime (qt  )", bytes(ftyp("qt  ", ["qt  "]), box("wide"), box("mdat")), "video/quicktime"],
      ["QuickTime with a leading wide box", bytes(box("wide"), ftyp("qt  ")), "video/quicktime"],
      ["MP4 behind wide and free boxes", bytes(box("wide"), box("free", zeros(100)), ftyp("mp42")), "video/mp4"],
      ["classic QuickTime: wide then mdat, no ftyp", bytes(box("wide"), box("mdat", zeros(32))), "video/quicktime"],
      ["classic QuickTime: moov first", box("moov", bytes(box("mvhd", zeros(100)))), "video/quicktime"],
      [
        "classic QuickTime: mdat first (64-bit size)",
        bytes(u32be(1), "mdat", u32be(0), u32be(64), zeros(8)),
        "video/quicktime"
      ],
      ["ftyp with a 64-bit size", bytes(u32be(1), "ftyp", u32be(0), u32be(24), "isom", u32be(0)), "video/mp4"],
      ["WebM", ebml("webm"), "video/webm"],
      ["MPEG-TS, 2 packets (189 bytes)", tsPackets(2).subarray(0, 189), "video/mp2t"],
      ["MPEG-TS, 3 packets", tsPackets(3), "video/mp2t"],
      ["MPEG-TS, a full head", tsPackets(30).subarray(0, sniffLength), "video/mp2t"],
      ["SRT", bytes("1\n00:00:01,000 --> 00:00:04,000\nHello\n"), "text/srt"],
      ["SRT with BOM and CRLF", bytes([0xef, 0xbb, 0xbf], "1\r\n00:00:01,000 --> 00:00:04,000\r\nHi\r\n"), "text/srt"],
      ["SRT with a leading blank line and cue 12", bytes("\r\n12\r\n01:02:03,456 --> 01:02:04,000\r\n"), "text/srt"],
      ["WebVTT", bytes("WEBVTT\n\n00:01.000 --> 00:04.000\nHi\n"), "text/vtt"],
      ["WebVTT with BOM and a title", bytes([0xef, 0xbb, 0xbf], "WEBVTT - Subtitles\r\n"), "text/vtt"],
      ["WebVTT, just the word", bytes("WEBVTT"), "text/vtt"],
      ["glTF binary", bytes("glTF", u32le(2), u32le(1000)), "model/gltf-binary"],
      ["USDZ (first entry .usdc)", zipEntry("scene.usdc"), "model/vnd.usdz+zip"],
      ["USDZ (first entry .usda)", zipEntry("Model.USDA"), "model/vnd.usdz+zip"]
    ]
    for (const [name, head, expected] of positives) {
      it(`recognizes ${name}`, () => {
        expect(sniff(head)).toBe(expected)
        // Trailing bytes up to the sniff length change nothing.
        const padded = new Uint8Array(Math.max(sniffLength, head.length))
        padded.set(head)
        if (expected !== "video/mp2t" && expected !== "text/vtt") expect(sniff(padded)).toBe(expected)
      })
    }

    const negatives: ReadonlyArray<readonly [string, Uint8Array]> = [
      ["no bytes", new Uint8Array(0)],
      ["JPEG cut to 2 bytes", bytes([0xff, 0xd8])],
      ["PNG cut to 7 bytes", bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a])],
      ["PNG with a wrong 8th byte", bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b])],
      ["GIF cut to 5 bytes", bytes("GIF89")],
      ["GIF90a", bytes("GIF90a")],
      ["RIFF that is not WebP (WAVE)", bytes("RIFF", u32le(100), "WAVEfmt ")],
      ["RIFF cut before the form type", bytes("RIFF", u32le(100), "WEB")],
      ["BM with an implausible DIB size", bmpHeader(41)],
      ["BM with pixel data inside the header", bmpHeader(40, 20)],
      ["BM cut to 10 bytes", bmpHeader().subarray(0, 10)],
      ["BigTIFF", bytes([0x49, 0x49, 0x2b, 0x00])],
      ["TIFF cut to 3 bytes", bytes([0x49, 0x49, 0x2a])],
      ["ftyp not at offset 4", bytes(zeros(4), ftyp("isom"))],
      ["ftyp at offset 8 after a non-box", bytes("ABCDEFGH", ftyp("isom"))],
      ["ftyp cut before the brand", bytes(u32be(24), "ftyp", "is")],
      ["ftyp with a size below 16", bytes(u32be(12), "ftyp", "isom", u32be(0))],
      ["ftyp with an unprintable brand", bytes(u32be(16), "ftyp", [0, 1, 2, 3], u32be(0))],
      ["HEIC image", ftyp("heic", ["mif1", "heic"])],
      ["AVIF image", ftyp("avif", ["mif1", "avif"])],
      ["M4A audio", ftyp("M4A ", ["M4A ", "mp42"])],
      ["a free box that runs past the head", bytes(u32be(100_000), "free", zeros(64))],
      ["a free box of size 0 (to the end)", bytes(u32be(0), "free", zeros(64))],
      ["an unknown first box", box("abcd", zeros(16))],
      ["Matroska (EBML with DocType matroska)", ebml("matroska")],
      ["EBML magic only", bytes([0x1a, 0x45, 0xdf, 0xa3])],
      ["MPEG-TS, one packet only (188 bytes)", tsPackets(1)],
      [
        "sync byte at 0 and 188 but not 376",
        (() => {
          const b = tsPackets(3)
          b[376] = 0x00
          return b
        })()
      ],
      ["sync byte at 0 only", bytes([0x47], zeros(400))],
      ["SRT without the arrow", bytes("1\n00:00:01,000 00:00:04,000\n")],
      ["SRT cut inside the timestamp", bytes("1\n00:00:01,0")],
      ["text that starts with digits", bytes("12345\nhello world\n")],
      ["WEBVTTX", bytes("WEBVTTX\n")],
      ["webvtt in lower case", bytes("webvtt\n")],
      ["glTF cut to 3 bytes", bytes("glT")],
      ["a plain zip", zipEntry("readme.txt")],
      ["a zip cut inside its header", zipEntry("scene.usdc").subarray(0, 20)],
      ["plain text", bytes("hello, world\n")],
      ["a PDF", bytes("%PDF-1.7\n")]
    ]
    for (const [name, head] of negatives) {
      it(`says None for ${name}`, () => {
        expect(sniff(head)).toBeUndefined()
      })
    }

    it("says None for random bytes", () => {
      const random = prng(42)
      for (let i = 0; i < 2000; i++) {
        const head = new Uint8Array(1 + Math.floor(random() * sniffLength))
        for (let j = 0; j < head.length; j++) head[j] = Math.floor(random() * 256)
        const found = sniff(head)
        if (found !== undefined) throw new Error(`random head #${i} sniffed as ${found}`)
      }
    })

    it("never reads past a truncated head of any known format", () => {
      for (const [, head] of positives) {
        for (let n = 0; n < head.length; n++) {
          // Every prefix either says None or a type; it must not throw.
          const found = sniff(head.subarray(0, n))
          if (found !== undefined) expect(isMediaType(found)).toBe(true)
        }
      }
    })

    it("looks at a subarray view, not at the underlying buffer", () => {
      const buffer = bytes("xxxx", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      expect(sniff(buffer.subarray(4))).toBe("image/png")
      expect(sniff(buffer.subarray(0, 4))).toBeUndefined()
    })
  })

  describe("mediaTypeFromFileName", () => {
    const table: ReadonlyArray<readonly [string, MediaType | undefined]> = [
      ["photo.jpg", "image/jpeg"],
      ["photo.JPEG", "image/jpeg"],
      ["photo.jpe", "image/jpeg"],
      ["photo.jfif", "image/jpeg"],
      ["a.png", "image/png"],
      ["a.gif", "image/gif"],
      ["a.webp", "image/webp"],
      ["a.bmp", "image/bmp"],
      ["a.tif", "image/tiff"],
      ["a.TIFF", "image/tiff"],
      ["clip.mp4", "video/mp4"],
      ["clip.m4v", "video/mp4"],
      ["clip.mov", "video/quicktime"],
      ["clip.qt", "video/quicktime"],
      ["clip.webm", "video/webm"],
      ["stream.ts", "video/mp2t"],
      ["subs.en.srt", "text/srt"],
      ["subs.vtt", "text/vtt"],
      ["model.glb", "model/gltf-binary"],
      ["model.usdz", "model/vnd.usdz+zip"],
      ["/home/me/videos/clip.MOV", "video/quicktime"],
      ["C:\\Users\\me\\model.GLB", "model/gltf-binary"],
      ["dir.png/file", undefined],
      ["noextension", undefined],
      [".mp4", undefined],
      ["trailingdot.", undefined],
      ["movie.mkv", undefined],
      ["song.m4a", undefined],
      ["doc.pdf", undefined],
      ["toString.constructor", undefined],
      ["a.__proto__", undefined],
      ["", undefined]
    ]
    for (const [name, expected] of table) {
      it(`${JSON.stringify(name)} → ${expected ?? "None"}`, () => {
        expect(Option.getOrUndefined(mediaTypeFromFileName(name))).toBe(expected)
      })
    }
  })

  describe("normalizeMediaType", () => {
    it("accepts every listed type, case and parameters aside, and common aliases", () => {
      for (const type of mediaTypes) {
        expect(Option.getOrUndefined(normalizeMediaType(type))).toBe(type)
        expect(Option.getOrUndefined(normalizeMediaType(` ${type.toUpperCase()} ; charset=utf-8`))).toBe(type)
      }
      expect(Option.getOrUndefined(normalizeMediaType("image/jpg"))).toBe("image/jpeg")
      expect(Option.getOrUndefined(normalizeMediaType("application/x-subrip"))).toBe("text/srt")
      expect(Option.getOrUndefined(normalizeMediaType("video/x-matroska"))).toBeUndefined()
      expect(Option.getOrUndefined(normalizeMediaType("toString"))).toBeUndefined()
    })
  })

  describe("resolveMediaType", () => {
    const png = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const text = bytes("just some text")

    it.effect("an explicit type wins over the bytes and the name", () =>
      Effect.gen(function*() {
        expect(yield* resolveMediaType({ explicit: "video/mp4", head: png, fileName: "a.png" })).toBe("video/mp4")
        expect(yield* resolveMediaType({ explicit: "IMAGE/JPG", head: png })).toBe("image/jpeg")
        expect(yield* resolveMediaType({ explicit: "image/pjpeg", head: png })).toBe("image/pjpeg")
      }))

    it.effect("an explicit type X does not accept fails, listing the accepted types", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          resolveMediaType({ explicit: "video/x-matroska", head: png, fileName: "clip.mkv" })
        )
        expect(error._tag).toBe("UnknownMediaType")
        expect(error.source).toBe("clip.mkv")
        expect(error.detail).toContain("video/x-matroska")
        expect(error.accepted).toContain("video/mp4")
        expect(error.message).toContain("video/mp4")
        expect(error.message).toContain("clip.mkv")
      }))

    it.effect("the bytes win over the file name", () =>
      Effect.gen(function*() {
        expect(yield* resolveMediaType({ head: png, fileName: "photo.jpg" })).toBe("image/png")
      }))

    it.effect("the file name is the fallback when the bytes tell nothing", () =>
      Effect.gen(function*() {
        expect(yield* resolveMediaType({ head: text, fileName: "clip.MOV" })).toBe("video/quicktime")
        expect(yield* resolveMediaType({ head: new Uint8Array(0), fileName: "model.usdz" })).toBe(
          "model/vnd.usdz+zip"
        )
      }))

    it.effect("fails with UnknownMediaType when nothing tells the type", () =>
      Effect.gen(function*() {
        const noName = yield* Effect.flip(resolveMediaType({ head: text }))
        expect(noName._tag).toBe("UnknownMediaType")
        expect(noName.source).toBe("the media")
        expect(noName.detail).toContain("no file name")
        // The flag named is upload's: post has no --media-type.
        expect(noName.message).toContain("(the mediaType option; x-media upload --media-type)")

        const badName = yield* Effect.flip(resolveMediaType({ head: text, fileName: "movie.mkv", source: "<stdin>" }))
        expect(badName.source).toBe("<stdin>")
        expect(badName.detail).toContain("movie.mkv")

        const empty = yield* Effect.flip(resolveMediaType({ head: new Uint8Array(0), fileName: "x" }))
        expect(empty.detail).toContain("no bytes")
      }))
  })
})
