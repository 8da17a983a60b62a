/**
 * The fleet's own table in PostgreSQL (real server): created by whichever worker starts first, also
 * when several start at the same moment on a fresh database.
 */
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { inject } from "vitest"
import * as FleetStore from "../src/FleetStore.ts"
import { freshDatabase } from "./support/Servers.ts"

const servers = inject("servers")

/** A store on a connection of its own, as each worker process has. */
const storeOn = (url: string) =>
  Effect.scoped(Layer.build(FleetStore.layer.pipe(Layer.provide(PgClient.layer({ url: Redacted.make(url) })))))

describe("FleetStore", () => {
  it.live(
    "workers starting together on a fresh database all get the store (no race on CREATE TABLE)",
    () =>
      Effect.gen(function*() {
        for (let round = 0; round < 4; round++) {
          const url = freshDatabase(servers, "store")
          const exits = yield* Effect.all(Array.from({ length: 8 }, () => Effect.exit(storeOn(url))), {
            concurrency: "unbounded"
          })
          expect(exits.filter(Exit.isFailure).map(String)).toEqual([])
        }
      }),
    60_000
  )
})
