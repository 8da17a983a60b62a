import { describe, expect, it } from "@effect/vitest"
import { weightedLength } from "../src/TextLength.ts"

describe("weighted text length (twitter-text v3, approximated)", () => {
  it("Latin, Greek, Cyrillic, Hebrew, Arabic and common punctuation count 1; CJK, Hangul and others count 2", () => {
    expect(weightedLength("a".repeat(280))).toBe(280)
    expect(weightedLength("Ωμέγα Привет שלום مرحبا")).toBe(23)
    expect(weightedLength("— ‘quoted’ ′")).toBe(12)
    expect(weightedLength("漢字かなカナ한국")).toBe(16)
    expect(weightedLength("…")).toBe(2)
  })

  it("an emoji counts 2, whole: ZWJ sequences, skin tones, flags, keycaps", () => {
    expect(weightedLength("🐈")).toBe(2)
    expect(weightedLength("👩‍👩‍👧")).toBe(2)
    expect(weightedLength("👍🏽")).toBe(2)
    expect(weightedLength("🇫🇷")).toBe(2)
    expect(weightedLength("1️⃣")).toBe(2)
    expect(weightedLength("ok 👍")).toBe(5)
  })

  it("a symbol with an emoji form written as text counts by its code point (twitter-text: © 1, ™ 2)", () => {
    expect(weightedLength("©")).toBe(1)
    expect(weightedLength("®")).toBe(1)
    expect(weightedLength("™")).toBe(2)
    expect(weightedLength("©\ufe0f")).toBe(2)
    expect(weightedLength("™\ufe0f")).toBe(2)
    expect(weightedLength("© 2026 x-media™")).toBe(1 + 5 + 8 + 2)
  })

  it("every URL counts 23, with or without a scheme; trailing punctuation and e-mail addresses are not URLs", () => {
    expect(weightedLength(`https://example.com/${"x".repeat(100)}`)).toBe(23)
    expect(weightedLength("see http://x.com/a.")).toBe(4 + 23 + 1)
    expect(weightedLength("www.example.org/path and example.com")).toBe(23 + 5 + 23)
    expect(weightedLength("me@example.com")).toBe(14)
    expect(weightedLength("two https://a.io https://b.io")).toBe(4 + 23 + 1 + 23)
  })

  it("is counted on the NFC form", () => {
    expect(weightedLength("e\u0301")).toBe(1)
    expect(weightedLength("")).toBe(0)
  })
})
