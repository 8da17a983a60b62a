/**
 * A post's text as X counts it, so a text that is too long fails before any request instead of
 * after the uploads.
 *
 * X counts a post's text with twitter-text's weighted length (configuration v3: 280 with a scale of
 * 100). The text is NFC-normalized first; each URL counts 23, whatever its length; each emoji (one
 * grapheme shown as an emoji: a character with emoji presentation, anything with U+FE0F, a flag, a
 * keycap, a skin tone, a ZWJ sequence) counts 2; every other code point counts 1 in U+0000–U+10FF,
 * U+2000–U+200D, U+2010–U+201F and U+2032–U+2037 (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic …
 * and common punctuation) and 2 elsewhere (CJK, Hangul, `…`, `™`). A symbol with an emoji form
 * written as text counts by its code point, as in twitter-text: `©` 1, `™` 2, `©️` 2.
 *
 * URLs are found with a simpler rule than twitter-text's: `http(s)://…`, `www.…`, and bare domains on
 * common top-level domains (twitter-text knows every TLD). A bare domain on a rare TLD counts by its
 * characters here; X may count it 23.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import { InvalidPostText } from "./Errors.ts"

/**
 * The most a post's text may weigh: X's limit for accounts without a longer one.
 *
 * @since 0.3.0
 * @category constants
 */
export const maxWeightedLength = 280

/**
 * What each URL counts, whatever its length (X shortens it to a t.co link).
 *
 * @since 0.3.0
 * @category constants
 */
export const urlLength = 23

/** Code points weighing 1 (twitter-text v3's ranges of weight 100); all others weigh 2. */
const singleWeight: ReadonlyArray<readonly [number, number]> = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247]
]

const commonTlds = [
  "com",
  "org",
  "net",
  "edu",
  "gov",
  "io",
  "co",
  "dev",
  "app",
  "ai",
  "me",
  "ly",
  "gg",
  "tv",
  "info",
  "biz",
  "xyz",
  "uk",
  "us",
  "de",
  "fr",
  "jp",
  "es",
  "it",
  "nl",
  "ca",
  "au",
  "in",
  "br",
  "ru",
  "ch"
].join("|")

/** A URL: with a scheme, a `www.` host, or a bare domain on a common TLD (never the host of an e-mail address). */
const url = new RegExp(
  String.raw`https?:\/\/\S+|\bwww\.\S+|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:${commonTlds})\b(?:\/\S*)?`,
  "giu"
)

/** Punctuation that ends a sentence rather than the URL before it. */
const urlTail = /[.,:;!?'")\]]+$/u

/** One grapheme shown as an emoji (not `©` written as text, which is plain Latin-1). */
const shownAsEmoji = /\p{Emoji_Presentation}|\uFE0F|\u20E3|\p{Regional_Indicator}|\p{Emoji_Modifier}/u

// Made on first use: building a Segmenter loads ICU data (~30 ms), which every command that imports
// core would pay at start while only posts count text.
let graphemes: Intl.Segmenter | undefined
const segmenter = (): Intl.Segmenter => (graphemes ??= new Intl.Segmenter("en", { granularity: "grapheme" }))

const codePointWeight = (codePoint: number): number => {
  for (const [from, to] of singleWeight) {
    if (codePoint >= from && codePoint <= to) return 1
  }
  return 2
}

/** The weight of text without URLs. */
const plainWeight = (text: string): number => {
  let total = 0
  for (const { segment } of segmenter().segment(text)) {
    if (shownAsEmoji.test(segment)) {
      total += 2
    } else {
      for (const char of segment) total += codePointWeight(char.codePointAt(0) ?? 0)
    }
  }
  return total
}

/**
 * The length of `text` as X counts it against the 280 limit (see the module description).
 *
 * @since 0.3.0
 * @category measuring
 */
export const weightedLength = (text: string): number => {
  const normalized = text.normalize("NFC")
  let total = 0
  let from = 0
  for (const match of normalized.matchAll(url)) {
    const found = match[0].replace(urlTail, "")
    total += plainWeight(normalized.slice(from, match.index)) + urlLength
    from = match.index + found.length
  }
  return total + plainWeight(normalized.slice(from))
}

/**
 * Checks a post's text before any request: at most `limit` (default 280) as X counts it, and not
 * empty (blank) unless the post has media. Fails with `InvalidPostText` (`too-long`, `empty`).
 *
 * @since 0.3.0
 * @category validation
 */
export const check = (
  text: string,
  options: { readonly hasMedia: boolean; readonly limit?: number | undefined }
): Effect.Effect<void, InvalidPostText> => {
  const limit = options.limit ?? maxWeightedLength
  const length = weightedLength(text)
  if (length > limit) return Effect.fail(new InvalidPostText({ reason: "too-long", weightedLength: length, limit }))
  if (text.trim() === "" && !options.hasMedia) {
    return Effect.fail(new InvalidPostText({ reason: "empty", weightedLength: length, limit }))
  }
  return Effect.void
}
