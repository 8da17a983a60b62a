import { describe, expect, it } from "@effect/vitest"
import { weightedLength as emulatorWeightedLength } from "@x-media/emulator"
import { Effect, Exit } from "effect"
import { InvalidPostText } from "../src/Errors.ts"
import * as PostText from "../src/PostText.ts"

const { weightedLength } = PostText

/** Texts both counters must agree on: every rule, and the mixes between them. */
const corpus = [
  "",
  "a".repeat(280),
  "Ωμέγα Привет שלום مرحبا",
  "— ‘quoted’ ′ …",
  "漢字かなカナ한국",
  "🐈 👩‍👩‍👧 👍🏽 🇫🇷 1️⃣ #️⃣",
  "© ® ™ ©\uFE0F ™\uFE0F ☺ ☺\uFE0F ♥\uFE0E",
  "see http://x.com/a. and www.example.org/path, example.com!",
  "me@example.com e\u0301 café",
  `https://example.com/${"x".repeat(100)} two https://a.io https://b.io`
]

describe("PostText", () => {
  it("counts as twitter-text does: Latin 1, CJK 2, emoji 2, URLs 23, on the NFC form", () => {
    expect(weightedLength("a".repeat(280))).toBe(280)
    expect(weightedLength("漢字")).toBe(4)
    expect(weightedLength("…")).toBe(2)
    expect(weightedLength("👩‍👩‍👧")).toBe(2)
    expect(weightedLength("🇫🇷")).toBe(2)
    expect(weightedLength(`see https://example.com/${"x".repeat(100)}.`)).toBe(4 + 23 + 1)
    expect(weightedLength("me@example.com")).toBe(14)
    expect(weightedLength("e\u0301")).toBe(1)
  })

  it("counts a symbol written as text by its code point: © 1, ™ 2, ©️ 2", () => {
    expect(weightedLength("©")).toBe(1)
    expect(weightedLength("®")).toBe(1)
    expect(weightedLength("™")).toBe(2)
    expect(weightedLength("©\uFE0F")).toBe(2)
  })

  it("agrees with the emulator's own counter on every rule", () => {
    for (const text of corpus) expect([text, weightedLength(text)]).toEqual([text, emulatorWeightedLength(text)])
  })

  it.effect("check refuses a text over 280 and an empty text without media, before anything is sent", () =>
    Effect.gen(function*() {
      yield* PostText.check("漢".repeat(140), { hasMedia: false })
      const long = yield* Effect.flip(PostText.check("漢".repeat(141), { hasMedia: false }))
      expect(long).toEqual(new InvalidPostText({ reason: "too-long", weightedLength: 282, limit: 280 }))
      expect(long.message).toContain("282 characters as X counts them")
      const empty = yield* Effect.flip(PostText.check("  ", { hasMedia: false }))
      expect(empty.reason).toBe("empty")
      expect(Exit.isSuccess(yield* Effect.exit(PostText.check("", { hasMedia: true })))).toBe(true)
      expect((yield* Effect.flip(PostText.check("abcd", { hasMedia: true, limit: 3 }))).limit).toBe(3)
    }))
})
