/**
 * Media ids, post ids and media keys as X hands them out. Every id is 19 digits, above 2^53, and chosen so that
 * `Number(id).toString() !== id`: a client that reads the JSON number `media_id` instead of
 * `media_id_string` (or `data.id`) gets a different, wrong id and is caught.
 *
 * @module
 */
import { randomBytes } from "node:crypto"

const lowest = 1_000_000_000_000_000_000n // 10^18: 19 digits
const span = 9_223_372_036_854_775_807n - lowest // up to 2^63 - 1, a valid int64

/** True when a JavaScript number cannot carry `id` unchanged. */
export const losesPrecision = (id: string): boolean => Number(id).toString() !== id

/**
 * A fresh media or post id: 19 digits, an int64, above 2^53, not exactly representable as a double, and not
 * in `taken`.
 */
export const newId = (taken: (id: string) => boolean): string => {
  for (;;) {
    const random = randomBytes(8).readBigUInt64BE() % span
    const id = (lowest + random).toString()
    if (losesPrecision(id) && !taken(id)) return id
  }
}

/** What kind of media a session holds; decides the size limit, the media key prefix and the type object. */
export type MediaKind = "image" | "gif" | "video" | "subtitles"

/**
 * `<type>_<id>`: `3_` image, `16_` animated GIF, `7_` video, `13_` amplify video (as X's examples show);
 * subtitles use `3_` too (X's prefix for them is not documented).
 */
export const mediaKey = (id: string, kind: MediaKind, category: string): string => {
  switch (kind) {
    case "gif":
      return `16_${id}`
    case "video":
      return category === "amplify_video" ? `13_${id}` : `7_${id}`
    case "image":
    case "subtitles":
      return `3_${id}`
  }
}
