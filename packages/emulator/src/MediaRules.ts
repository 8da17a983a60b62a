/**
 * What X checks about the media itself: the accepted `media_type`s and `media_category`s, which kind and
 * size limit a session gets, whether it is processed asynchronously, whether the bytes are what the
 * `media_type` claims (magic numbers), and image dimensions for the `image` object.
 *
 * @module
 */
import type { MediaKind } from "./MediaIds.ts"
import type { EmulatorConfig } from "./Options.ts"

/** The `media_type` values X's v2 INIT accepts (OpenAPI 2.167); the emulator applies them to v1 as well. */
export const mediaTypes: ReadonlyArray<string> = [
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
]

/** The `media_category` values X accepts (case-sensitive here: X's matching rules are not documented). */
export const mediaCategories: ReadonlyArray<string> = [
  "amplify_video",
  "tweet_gif",
  "tweet_image",
  "tweet_video",
  "dm_gif",
  "dm_image",
  "dm_video",
  "subtitles"
]

/** Categories whose uploads go through asynchronous processing (`processing_info` at FINALIZE). */
export const asyncCategories: ReadonlyArray<string> = [
  "tweet_video",
  "tweet_gif",
  "amplify_video",
  "dm_video",
  "dm_gif"
]

/** The kind a category stands for. */
const kindOfCategory = (category: string): MediaKind =>
  category.endsWith("_gif")
    ? "gif"
    : category.endsWith("_video")
    ? "video"
    : category === "subtitles"
    ? "subtitles"
    : "image"

/** The kind a media type stands for, when no category was given. */
const kindOfType = (mediaType: string): MediaKind =>
  mediaType === "image/gif"
    ? "gif"
    : mediaType.startsWith("video/")
    ? "video"
    : mediaType.startsWith("text/")
    ? "subtitles"
    : "image"

/** The category X assumes when none was given: Post media chosen by content type. */
const defaultCategory: Record<MediaKind, string> = {
  image: "tweet_image",
  gif: "tweet_gif",
  video: "tweet_video",
  subtitles: "subtitles"
}

/** How a session is classified at INIT. */
export interface Classification {
  readonly kind: MediaKind
  /** The category as given, or the one X would assume. */
  readonly category: string
  /** True when FINALIZE starts asynchronous processing (pending → in_progress → succeeded). */
  readonly async: boolean
  /** The largest `total_bytes` accepted for this kind. */
  readonly limit: number
}

/**
 * Classifies an upload. v1 processes asynchronously only when INIT named an async category (the FINALIZE
 * page: "enabled if an upload session was initialized with a media_category"); v2 assumes the Post category
 * from the media type when none is given, so v2 video and GIF uploads are always processed.
 */
export const classify = (
  config: EmulatorConfig,
  dialect: "v1" | "v2",
  mediaType: string,
  category: string | undefined
): Classification => {
  const kind = category === undefined ? kindOfType(mediaType) : kindOfCategory(category)
  const effective = category ?? defaultCategory[kind]
  const categoryGiven = category !== undefined || dialect === "v2"
  const async = config.processing.enabled && categoryGiven && asyncCategories.includes(effective)
  const limit = kind === "gif" ? config.limits.gif : kind === "video" ? config.limits.video : config.limits.image
  return { kind, category: effective, async, limit }
}

/** The wording of X's size error for a kind ("Image file size must be <= 5242880 bytes"). */
export const sizeLimitMessage = (kind: MediaKind, limit: number): string => {
  const noun = kind === "gif" ? "GIF" : kind === "video" ? "Video" : kind === "subtitles" ? "Subtitle" : "Image"
  return `${noun} file size must be <= ${limit} bytes`
}

const ascii = (bytes: Uint8Array, from: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(from, from + length))

/**
 * Checks the first bytes of the assembled file against the claimed `media_type`: an `ftyp` box at offset 4
 * for video/mp4 and video/quicktime, and the GIF, PNG, JPEG and WEBP signatures. Returns the reason the bytes
 * do not match, or `undefined` when they do or the type is not checked.
 */
export const sniffMismatch = (mediaType: string, head: Uint8Array): string | undefined => {
  switch (mediaType) {
    case "video/mp4":
    case "video/quicktime":
      return ascii(head, 4, 4) === "ftyp" ? undefined : "Unsupported video format"
    case "image/gif":
      return ["GIF87a", "GIF89a"].includes(ascii(head, 0, 6)) ? undefined : "Unsupported image format: not a GIF"
    case "image/png":
      return ascii(head, 0, 8) === "\x89PNG\r\n\x1a\n" ? undefined : "Unsupported image format: not a PNG"
    case "image/jpeg":
    case "image/pjpeg":
      return head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff
        ? undefined
        : "Unsupported image format: not a JPEG"
    case "image/webp":
      return ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP"
        ? undefined
        : "Unsupported image format: not a WEBP"
    default:
      return undefined
  }
}

/** The categories X takes in one request: v1.1's simple upload takes images, v2's one-shot images and subtitles. */
export const oneShotCategories = {
  v1: ["tweet_image", "dm_image"],
  v2: ["tweet_image", "dm_image", "subtitles"]
} as const satisfies Record<"v1" | "v2", ReadonlyArray<string>>

/**
 * The media type of a one-request upload, which names none, from its first bytes: an image by its
 * signature (JPEG, PNG, GIF, WEBP, BMP, TIFF), or subtitles (WebVTT when it starts with `WEBVTT`,
 * else SRT). `undefined` when the bytes are no image X takes.
 */
export const sniffOneShotType = (head: Uint8Array, subtitles: boolean): string | undefined => {
  if (subtitles) return subtitlesMismatch("text/vtt", head) === undefined ? "text/vtt" : "text/srt"
  const images = ["image/jpeg", "image/png", "image/gif", "image/webp"]
  const found = images.find((type) => sniffMismatch(type, head) === undefined)
  if (found !== undefined) return found
  if (ascii(head, 0, 2) === "BM") return "image/bmp"
  if (["II*\x00", "MM\x00*"].includes(ascii(head, 0, 4))) return "image/tiff"
  return undefined
}

/**
 * Checks that an uploaded subtitles file is what its `media_type` says: WebVTT starts with `WEBVTT` (after an
 * optional byte-order mark), SRT has a `-->` cue timing in its first bytes. Returns the reason it is not, or
 * `undefined`. Checked when the file is attached to a video, not at FINALIZE.
 */
export const subtitlesMismatch = (mediaType: string, head: Uint8Array): string | undefined => {
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, "")
  switch (mediaType) {
    case "text/vtt":
      return /^WEBVTT(?:[ \t\r\n]|$)/.test(text) ? undefined : "not a WebVTT file: it does not start with WEBVTT"
    case "text/srt":
      return text.includes("-->") ? undefined : "not an SRT file: it has no --> cue timing"
    default:
      return `media_type ${mediaType} is not a subtitles type (text/srt or text/vtt)`
  }
}

/** Width and height of an image read from its first bytes (PNG, GIF, JPEG, WEBP); 0×0 when unknown. */
export const imageDimensions = (mediaType: string, head: Uint8Array): { readonly w: number; readonly h: number } => {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const inRange = (end: number) => end <= head.byteLength
  switch (mediaType) {
    case "image/png":
      return inRange(24) ? { w: view.getUint32(16), h: view.getUint32(20) } : { w: 0, h: 0 }
    case "image/gif":
      return inRange(10) ? { w: view.getUint16(6, true), h: view.getUint16(8, true) } : { w: 0, h: 0 }
    case "image/jpeg":
    case "image/pjpeg": {
      let at = 2
      while (inRange(at + 9) && head[at] === 0xff) {
        const marker = head[at + 1] ?? 0
        const length = view.getUint16(at + 2)
        const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
        if (isFrame) return { w: view.getUint16(at + 7), h: view.getUint16(at + 5) }
        at += 2 + length
      }
      return { w: 0, h: 0 }
    }
    case "image/webp": {
      const chunk = ascii(head, 12, 4)
      if (chunk === "VP8X" && inRange(30)) {
        const w = 1 + ((head[24] ?? 0) | ((head[25] ?? 0) << 8) | ((head[26] ?? 0) << 16))
        const h = 1 + ((head[27] ?? 0) | ((head[28] ?? 0) << 8) | ((head[29] ?? 0) << 16))
        return { w, h }
      }
      if (chunk === "VP8 " && inRange(30)) {
        return { w: view.getUint16(26, true) & 0x3fff, h: view.getUint16(28, true) & 0x3fff }
      }
      if (chunk === "VP8L" && inRange(25)) {
        const bits = view.getUint32(21, true)
        return { w: (bits & 0x3fff) + 1, h: ((bits >> 14) & 0x3fff) + 1 }
      }
      return { w: 0, h: 0 }
    }
    default:
      return { w: 0, h: 0 }
  }
}
