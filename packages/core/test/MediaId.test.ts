import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { MediaId } from "../src/MediaId.ts"

describe("MediaId", () => {
  it.effect("keeps a 19-digit id exactly", () =>
    Effect.gen(function*() {
      const id = yield* Schema.decodeUnknownEffect(MediaId)("710511363345354753")
      expect(id).toBe("710511363345354753")
    }))

  it("rejects anything that is not 1 to 19 digits", () => {
    for (const bad of ["", "12a", "12345678901234567890", " 1", "-1"]) {
      expect(Exit.isFailure(Schema.decodeUnknownExit(MediaId)(bad))).toBe(true)
    }
  })
})
