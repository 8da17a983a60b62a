/**
 * FINALIZE is atomic, as on X: a FINALIZE whose request is cut off (a fleet worker killed during its
 * FINALIZE: the server interrupts the handler) still finalizes the media, and a FINALIZE that arrives
 * while another assembles the segments waits for it. Before, the cut-off one could stop after
 * deleting some segment files, and every later FINALIZE of that media answered 500.
 *
 * The file system is Node's, except that deleting a segment file waits on a gate, so that the test
 * cuts the FINALIZE off exactly while it deletes.
 */
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Fiber, FileSystem, Path } from "effect"
import { EmulatorClock } from "../src/EmulatorClock.ts"
import { EmulatorState } from "../src/EmulatorState.ts"
import { classify } from "../src/MediaRules.ts"
import { resolveOptions } from "../src/Options.ts"
import { Store } from "../src/Store.ts"
import * as Uploads from "../src/Uploads.ts"
import { mp4Bytes, sha256 } from "./helpers.ts"

/** A session of `segments` segments (written), on a store whose second segment deletion waits for `gate`. */
const setUp = (segments: number) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const deleting = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    let deletions = 0
    const gated = FileSystem.FileSystem.of({
      ...fs,
      remove: (target, options) =>
        Effect.suspend(() => {
          if (!target.endsWith(".segment") || ++deletions !== 2) return fs.remove(target, options)
          return Deferred.succeed(deleting, undefined).pipe(
            Effect.andThen(Deferred.await(gate)),
            Effect.andThen(fs.remove(target, options))
          )
        })
    })
    const config = resolveOptions({})
    const clock = new EmulatorClock(yield* Clock.Clock)
    const spillDir = yield* fs.makeTempDirectoryScoped({ prefix: "x-media-finalize-test-" })
    const state = new EmulatorState(config, clock, new Store(config, clock, gated, path, spillDir))
    const bytes = mp4Bytes(segments * 1024)
    const session = state.store.create({
      ownerId: "1",
      additionalOwners: [],
      dialect: "v2",
      mediaType: "video/mp4",
      mediaCategory: "tweet_video",
      classification: classify(config, "v2", "video/mp4", "tweet_video"),
      totalBytes: bytes.length
    })
    for (let i = 0; i < segments; i++) {
      yield* state.store.writeSegment(session, i, bytes.slice(i * 1024, (i + 1) * 1024))
    }
    return { state, session, bytes, deleting, gate }
  }).pipe(Effect.provide([NodeFileSystem.layer, NodePath.layer]))

describe("FINALIZE is atomic", () => {
  it.live("a FINALIZE cut off while it deletes the segments still finalizes the media", () =>
    Effect.gen(function*() {
      const { bytes, deleting, gate, session, state } = yield* setUp(4)
      const first = yield* Effect.forkChild(Uploads.finalize(state, "v2", session))
      yield* Deferred.await(deleting)
      // The client goes away: the server interrupts the handler, while one segment file is deleted.
      const interrupted = yield* Effect.forkChild(Fiber.interrupt(first))
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(interrupted)
      expect(session.finalized).toBe(true)
      const again = yield* Uploads.finalize(state, "v2", session)
      expect(again.sha256).toBe(sha256(bytes))
    }).pipe(Effect.scoped))

  it.live("a FINALIZE arriving while another assembles waits for it: both answer the media", () =>
    Effect.gen(function*() {
      const { bytes, deleting, gate, session, state } = yield* setUp(4)
      const first = yield* Effect.forkChild(Uploads.finalize(state, "v2", session))
      yield* Deferred.await(deleting)
      const second = yield* Effect.forkChild(Effect.result(Uploads.finalize(state, "v2", session)))
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(first)
      const answer = yield* Fiber.join(second)
      expect(answer._tag).toBe("Success")
      expect(session.sha256).toBe(sha256(bytes))
    }).pipe(Effect.scoped))
})
