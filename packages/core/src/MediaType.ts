/**
 * The media types X accepts, and how to tell which one a file is: from the first bytes (magic
 * numbers), from the file name, or from what the caller says.
 *
 * Everything here is pure and platform-independent: it looks at a `Uint8Array` holding the start of
 * the file, never at a file system.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { UnknownMediaType } from "./Errors.ts"

/**
 * A MIME type X accepts for upload: the `media_type` enum of the v2 INIT request (spec 2.167).
 *
 * v1.1 accepts the same names for the types it knows. `image/pjpeg` is never sniffed (it is a JPEG);
 * it is accepted when given explicitly.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MediaType = Schema.Literals([
  "video/mp4",
  "video/webm",
  "video/mp2t",
  "video/quicktime",
  "text/srt",
  "text/vtt",
  "image/jpeg",
  "image/gif",
  "image/bmp",
  "image/png",
  "image/webp",
  "image/pjpeg",
  "image/tiff",
  "model/gltf-binary",
  "model/vnd.usdz+zip"
])

/**
 * A MIME type X accepts for upload.
 *
 * @since 0.2.0
 * @category schemas
 */
export type MediaType = typeof MediaType.Type

/**
 * Every media type X accepts, in the order of X's INIT enum.
 *
 * @since 0.2.0
 * @category constants
 */
export const mediaTypes: ReadonlyArray<MediaType> = MediaType.literals

/**
 * Whether a string is exactly one of the media types X accepts (no normalization).
 *
 * @since 0.2.0
 * @category guards
 */
export const isMediaType = Schema.is(MediaType)

/**
 * How many bytes from the start of a file {@link sniffMediaType} looks at. Reading fewer works but
 * may miss formats whose signature sits further in (an MPEG-TS stream is checked on every 188-byte
 * packet boundary in the head, and an MP4 may start with `free`/`wide` boxes before `ftyp`).
 *
 * @since 0.2.0
 * @category constants
 */
export const sniffLength = 4096

// ---------------------------------------------------------------------------------------------
// Sniffing
// ---------------------------------------------------------------------------------------------

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, at = 0): boolean => {
  if (bytes.length < at + signature.length) return false
  for (let i = 0; i < signature.length; i++) {
    if (bytes[at + i] !== signature[i]) return false
  }
  return true
}

const ascii = (text: string): ReadonlyArray<number> => Array.from(text, (c) => c.charCodeAt(0))

const latin1 = (bytes: Uint8Array, from: number, to: number): string => {
  let out = ""
  const end = Math.min(to, bytes.length)
  for (let i = from; i < end; i++) out += String.fromCharCode(bytes[i] ?? 0)
  return out
}

const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
const u32le = (b: Uint8Array, at: number): number => (u16le(b, at) + u16le(b, at + 2) * 0x10000)
const u32be = (b: Uint8Array, at: number): number =>
  (b[at] ?? 0) * 0x1000000 + (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0))

const JPEG = [0xff, 0xd8, 0xff]
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const GIF87A = ascii("GIF87a")
const GIF89A = ascii("GIF89a")
const RIFF = ascii("RIFF")
const WEBP = ascii("WEBP")
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00]
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a]
const EBML = [0x1a, 0x45, 0xdf, 0xa3]
const GLTF = ascii("glTF")
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04]
const UTF8_BOM = [0xef, 0xbb, 0xbf]
const WEBVTT = ascii("WEBVTT")

/** BMP: "BM", then a DIB header of a known size, and pixel data that starts after both headers. */
const isBmp = (b: Uint8Array): boolean => {
  if (b.length < 18 || b[0] !== 0x42 || b[1] !== 0x4d) return false
  const fileSize = u32le(b, 2)
  const dataOffset = u32le(b, 10)
  const dibSize = u32le(b, 14)
  if (![12, 16, 40, 52, 56, 64, 108, 124].includes(dibSize)) return false
  if (dataOffset < 14 + dibSize) return false
  return fileSize === 0 || fileSize >= dataOffset
}

const isPrintableFourCC = (b: Uint8Array, at: number): boolean => {
  if (b.length < at + 4) return false
  for (let i = at; i < at + 4; i++) {
    const c = b[i] ?? 0
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/** ISO BMFF brands of still images and audio: valid `ftyp` boxes that are not video X accepts. */
const nonVideoBrands = new Set([
  "avif",
  "avis",
  "heic",
  "heix",
  "heim",
  "heis",
  "hevc",
  "hevx",
  "mif1",
  "msf1",
  "crx ",
  "jpx ",
  "M4A ",
  "M4B ",
  "M4P ",
  "F4A ",
  "F4B "
])

/** Top-level boxes that may come before `ftyp` (or stand in for it in old QuickTime files). */
const skippableBoxes = new Set(["wide", "free", "skip", "pnot", "junk", "uuid"])
/** Top-level boxes that, seen before any `ftyp`, mean a classic QuickTime movie (no `ftyp` at all). */
const quickTimeBoxes = new Set(["moov", "mdat"])

/**
 * ISO base media (MP4) and QuickTime: walk the top-level boxes in the head. An `ftyp` box decides by
 * its major brand (`qt  ` is QuickTime, image and audio brands are not video, anything else is
 * MP4). `wide`/`free`/`skip`/`pnot` boxes before it are stepped over; a `moov` or `mdat` box with no
 * `ftyp` before it is a classic QuickTime movie.
 */
const sniffIsoBmff = (b: Uint8Array): Option.Option<MediaType> => {
  let at = 0
  for (let boxes = 0; boxes < 8; boxes++) {
    if (b.length < at + 8 || !isPrintableFourCC(b, at + 4)) return Option.none()
    const type = latin1(b, at + 4, at + 8)
    let size = u32be(b, at)
    let header = 8
    if (size === 1) {
      if (b.length < at + 16) return Option.none()
      const high = u32be(b, at + 8)
      size = high * 0x100000000 + u32be(b, at + 12)
      header = 16
    }
    if (type === "ftyp") {
      // header, major brand, minor version: 16 bytes at least (a lone `ftyp` carries no brand).
      if (size !== 0 && size < header + 8) return Option.none()
      if (!isPrintableFourCC(b, at + header)) return Option.none()
      const brand = latin1(b, at + header, at + header + 4)
      if (brand === "qt  ") return Option.some("video/quicktime")
      if (nonVideoBrands.has(brand)) return Option.none()
      return Option.some("video/mp4")
    }
    if (size !== 0 && size < header) return Option.none()
    if (quickTimeBoxes.has(type)) return Option.some("video/quicktime")
    if (!skippableBoxes.has(type) || size === 0) return Option.none()
    at += size
  }
  return Option.none()
}

/** Reads an EBML variable-length integer; `keepMarker` for element ids. */
const readVint = (
  b: Uint8Array,
  at: number,
  keepMarker: boolean
): { readonly value: number; readonly length: number } | undefined => {
  const first = b[at]
  if (first === undefined || first === 0) return undefined
  let length = 1
  while ((first & (0x80 >> (length - 1))) === 0) length++
  if (length > 8 || at + length > b.length) return undefined
  let value = keepMarker ? first : first & (0xff >> length)
  for (let i = 1; i < length; i++) value = value * 256 + (b[at + i] ?? 0)
  return { value, length }
}

/**
 * WebM: an EBML header (1A 45 DF A3) whose DocType element (id 0x4282) says `webm`. A Matroska file
 * (`matroska`) is not WebM and is not accepted by X.
 */
const sniffWebm = (b: Uint8Array): boolean => {
  if (!startsWith(b, EBML)) return false
  const headerSize = readVint(b, 4, false)
  if (headerSize === undefined) return false
  let at = 4 + headerSize.length
  const end = Math.min(b.length, at + headerSize.value)
  while (at < end) {
    const id = readVint(b, at, true)
    if (id === undefined) return false
    const size = readVint(b, at + id.length, false)
    if (size === undefined) return false
    const data = at + id.length + size.length
    if (id.value === 0x4282) {
      return latin1(b, data, data + size.value).replace(/\0+$/, "") === "webm"
    }
    at = data + size.value
  }
  return false
}

const TS_PACKET = 188

/** MPEG-TS: the sync byte 0x47 at every 188-byte packet start the head reaches (at least two). */
const isMpegTs = (b: Uint8Array): boolean => {
  if (b.length <= TS_PACKET) return false
  for (let at = 0; at < b.length; at += TS_PACKET) {
    if (b[at] !== 0x47) return false
  }
  return true
}

const textStart = (b: Uint8Array): number => (startsWith(b, UTF8_BOM) ? 3 : 0)

/** WebVTT: optional BOM, then `WEBVTT` followed by the end, a space, a tab or a line break. */
const isWebVtt = (b: Uint8Array): boolean => {
  const at = textStart(b)
  if (!startsWith(b, WEBVTT, at)) return false
  const next = b[at + WEBVTT.length]
  return next === undefined || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d
}

const srtStart = /^(?:[ \t]*\r?\n)*[ \t]*\d+[ \t]*\r?\n[ \t]*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}[ \t]+-->[ \t]/

/** SRT: optional BOM and blank lines, a cue number line, then `hh:mm:ss,mmm --> `. */
const isSrt = (b: Uint8Array): boolean => {
  const at = textStart(b)
  return srtStart.test(latin1(b, at, at + 256))
}

/** USDZ: a zip archive whose first entry is a USD file (`.usda`, `.usdc` or `.usd`). */
const isUsdz = (b: Uint8Array): boolean => {
  if (!startsWith(b, ZIP_LOCAL) || b.length < 30) return false
  const nameLength = u16le(b, 26)
  if (nameLength === 0 || b.length < 30 + nameLength) return false
  return /\.usd[ac]?$/i.test(latin1(b, 30, 30 + nameLength))
}

/**
 * Tells the media type from the first bytes of a file (pass at least {@link sniffLength} bytes, or
 * the whole file when it is shorter).
 *
 * Recognizes JPEG, PNG, GIF (87a/89a), WebP, BMP, TIFF, MP4 and QuickTime (by the `ftyp` brand, also
 * behind leading `wide`/`free`/`skip` boxes, and classic QuickTime with no `ftyp`), WebM (EBML with
 * DocType `webm`), MPEG-TS, SRT, WebVTT, binary glTF and USDZ. Returns `None` when the bytes match
 * none of them, or match a format X does not accept (Matroska, HEIC/AVIF, M4A audio, a plain zip).
 * Never fails and never reads past the given bytes.
 *
 * @since 0.2.0
 * @category sniffing
 */
export const sniffMediaType = (head: Uint8Array): Option.Option<MediaType> => {
  if (startsWith(head, JPEG)) return Option.some("image/jpeg")
  if (startsWith(head, PNG)) return Option.some("image/png")
  if (startsWith(head, GIF87A) || startsWith(head, GIF89A)) return Option.some("image/gif")
  if (startsWith(head, RIFF) && startsWith(head, WEBP, 8)) return Option.some("image/webp")
  if (startsWith(head, TIFF_LE) || startsWith(head, TIFF_BE)) return Option.some("image/tiff")
  if (isBmp(head)) return Option.some("image/bmp")
  if (startsWith(head, GLTF)) return Option.some("model/gltf-binary")
  if (isUsdz(head)) return Option.some("model/vnd.usdz+zip")
  if (sniffWebm(head)) return Option.some("video/webm")
  if (isMpegTs(head)) return Option.some("video/mp2t")
  if (isWebVtt(head)) return Option.some("text/vtt")
  if (isSrt(head)) return Option.some("text/srt")
  return sniffIsoBmff(head)
}

// ---------------------------------------------------------------------------------------------
// File names
// ---------------------------------------------------------------------------------------------

const byExtension: Readonly<Record<string, MediaType>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jpe: "image/jpeg",
  jfif: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/quicktime",
  qt: "video/quicktime",
  webm: "video/webm",
  ts: "video/mp2t",
  srt: "text/srt",
  vtt: "text/vtt",
  glb: "model/gltf-binary",
  usdz: "model/vnd.usdz+zip"
}

/**
 * Guesses the media type from a file name's extension (case-insensitive; a path is fine; a dot
 * file such as `.mp4` has no extension, as with Node's `path.extname`):
 * .jpg/.jpeg/.jpe/.jfif, .png, .gif, .webp, .bmp, .tif/.tiff, .mp4/.m4v, .mov/.qt, .webm, .ts,
 * .srt, .vtt, .glb, .usdz. Returns `None` for any other name or a name without an extension.
 * Use it only when the bytes tell nothing: an extension can lie.
 *
 * @since 0.2.0
 * @category sniffing
 */
export const mediaTypeFromFileName = (name: string): Option.Option<MediaType> => {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1)
  const dot = base.lastIndexOf(".")
  if (dot <= 0) return Option.none()
  const ext = base.slice(dot + 1).toLowerCase()
  return Object.hasOwn(byExtension, ext) ? Option.fromNullishOr(byExtension[ext]) : Option.none()
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/** Common spellings of accepted types that X's enum does not list, mapped to the listed name. */
const aliases: Readonly<Record<string, MediaType>> = {
  "image/jpg": "image/jpeg",
  "image/x-png": "image/png",
  "image/x-ms-bmp": "image/bmp",
  "image/x-bmp": "image/bmp",
  "video/x-m4v": "video/mp4",
  "application/x-subrip": "text/srt",
  "text/x-srt": "text/srt"
}

/**
 * Normalizes a MIME type given by a user to one X accepts: trims it, lower-cases it, drops
 * parameters (`; codecs=…`) and maps a few common aliases (`image/jpg` → `image/jpeg`,
 * `application/x-subrip` → `text/srt`, …). Returns `None` when X does not accept the type.
 *
 * @since 0.2.0
 * @category validation
 */
export const normalizeMediaType = (mimeType: string): Option.Option<MediaType> => {
  const bare = (mimeType.split(";")[0] ?? "").trim().toLowerCase()
  if (isMediaType(bare)) return Option.some(bare)
  return Object.hasOwn(aliases, bare) ? Option.fromNullishOr(aliases[bare]) : Option.none()
}

/**
 * Decides the media type of an upload.
 *
 * 1. `explicit`, when given, wins: it is normalized with {@link normalizeMediaType} and must be a
 *    type X accepts, whatever the bytes say.
 * 2. Otherwise the bytes in `head` (at least {@link sniffLength} of them when the file is longer).
 * 3. Otherwise the extension of `fileName`.
 *
 * Fails with `UnknownMediaType` when the explicit type is not one X accepts (the error lists the
 * accepted ones), or when neither the bytes nor the file name tell a type X accepts. `source` names
 * the media in the error (defaults to `fileName`, then "the media").
 *
 * @since 0.2.0
 * @category validation
 */
export const resolveMediaType = (options: {
  readonly explicit?: string | undefined
  readonly head: Uint8Array
  readonly fileName?: string | undefined
  readonly source?: string | undefined
}): Effect.Effect<MediaType, UnknownMediaType> => {
  const source = options.source ?? options.fileName ?? "the media"
  if (options.explicit !== undefined) {
    const explicit = options.explicit
    return Option.match(normalizeMediaType(explicit), {
      onSome: Effect.succeed,
      onNone: () =>
        Effect.fail(
          new UnknownMediaType({
            source,
            detail: `the type given for it, ${JSON.stringify(explicit)}, is not one of them`,
            accepted: mediaTypes
          })
        )
    })
  }
  const sniffed = sniffMediaType(options.head)
  if (Option.isSome(sniffed)) return Effect.succeed(sniffed.value)
  const named = options.fileName === undefined ? Option.none() : mediaTypeFromFileName(options.fileName)
  if (Option.isSome(named)) return Effect.succeed(named.value)
  const bytes = options.head.length === 0
    ? "there are no bytes to look at"
    : "its first bytes are none of them"
  const name = options.fileName === undefined
    ? "and no file name was given"
    : `and its name ${JSON.stringify(options.fileName)} has none of their extensions`
  return Effect.fail(new UnknownMediaType({ source, detail: `${bytes}, ${name}`, accepted: mediaTypes }))
}
