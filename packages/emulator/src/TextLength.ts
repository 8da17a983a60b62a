/**
 * The length of a post's text as X counts it, approximating twitter-text's weighted length (configuration
 * v3: a limit of 280 with scale 100): the text is NFC-normalized; every URL counts 23; every emoji (a whole
 * grapheme cluster shown as an emoji: a character with emoji presentation, anything with U+FE0F, a flag, a
 * keycap, a skin tone) counts 2; any other code point counts 1 in the ranges U+0000–U+10FF, U+2000–U+200D,
 * U+2010–U+201F and U+2032–U+2037 (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic … and common punctuation)
 * and 2 elsewhere (CJK, Hangul, …). A symbol with an emoji form written as text (no U+FE0F) counts by its
 * code point, as twitter-text's emoji parser (twemoji) does not take it for an emoji: `©` and `®` count 1,
 * `™` counts 2 (U+2122 lies outside the ranges), `©️` counts 2.
 *
 * Where this differs from twitter-text: URLs are found with a simpler pattern (`http(s)://…`, `www.…`, and
 * bare domains on a short list of common top-level domains; twitter-text knows every TLD and more punctuation
 * rules).
 *
 * @module
 */

/** twitter-text's `transformedURLLength`: what every URL counts. */
export const urlWeight = 23

/** The code point ranges that count 1 (twitter-text v3 `ranges`, weight 100 of scale 100). */
const lightRanges: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x10ff],
  [0x2000, 0x200d],
  [0x2010, 0x201f],
  [0x2032, 0x2037]
]

const tlds = "com|org|net|edu|gov|io|co|dev|app|ai|me|ly|gg|tv|info|biz|xyz|uk|us|de|fr|jp|es|it|nl|ca|au|in|br|ru|ch"

/**
 * URLs with a scheme, `www.` hosts, and bare domains on common TLDs (not after `@`: an e-mail address is not a
 * URL); trailing punctuation is not part of a URL.
 */
const urlPattern = new RegExp(
  String
    .raw`(?:https?:\/\/[^\s]+|\bwww\.[^\s]+|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:${tlds})\b(?:\/[^\s]*)?)`,
  "giu"
)

const trailingPunctuation = /[.,:;!?'")\]]+$/u

/**
 * A grapheme shown as an emoji. `\p{Extended_Pictographic}` alone would also take `©` and `®` written as
 * text, which twitter-text counts 1 each.
 */
const emoji = /\p{Emoji_Presentation}|\ufe0f|\u20e3|\p{Regional_Indicator}|\p{Emoji_Modifier}/u

// Made on first use: building it loads ICU data, which every start of the emulator would pay.
let graphemes: Intl.Segmenter | undefined
const segmenter = (): Intl.Segmenter => (graphemes ??= new Intl.Segmenter("en", { granularity: "grapheme" }))

const weightOfCodePoint = (codePoint: number): number =>
  lightRanges.some(([start, end]) => codePoint >= start && codePoint <= end) ? 1 : 2

const weightOfPlainText = (text: string): number => {
  let weight = 0
  for (const { segment } of segmenter().segment(text)) {
    if (emoji.test(segment)) {
      weight += 2
      continue
    }
    for (const char of segment) weight += weightOfCodePoint(char.codePointAt(0) ?? 0)
  }
  return weight
}

/** The weighted length of a post's text (see the module description for the rules and the differences). */
export const weightedLength = (text: string): number => {
  const normalized = text.normalize("NFC")
  let weight = 0
  let at = 0
  for (const match of normalized.matchAll(urlPattern)) {
    const url = match[0].replace(trailingPunctuation, "")
    const start = match.index
    weight += weightOfPlainText(normalized.slice(at, start)) + urlWeight
    at = start + url.length
  }
  return weight + weightOfPlainText(normalized.slice(at))
}
