/**
 * The seed's flow, step by step, in the v1.1 dialect: INIT and APPEND a video, then FINALIZE,
 * and poll STATUS after each `check_after_secs` until the media is ready (or fails).
 *
 *   npx tsx examples/finalize-status.ts
 *
 * This uses MediaClient, the service behind `Upload.upload`, for people who need the single steps.
 */
import { NodeRuntime } from "@effect/platform-node"
import { MediaClient, MediaStatus } from "@x-media/core"
import { Console, Effect, FileSystem } from "effect"
import { exampleLayer, samples } from "./support/target.ts"

const program = Effect.gen(function*() {
  const client = yield* MediaClient.MediaClient
  const fs = yield* FileSystem.FileSystem
  const bytes = yield* fs.readFile(samples.mp4)

  // INIT: a session for a small video. tweet_video makes X process it asynchronously.
  const session = yield* client.initialize({
    totalBytes: bytes.byteLength,
    mediaType: "video/mp4",
    mediaCategory: "tweet_video"
  })
  yield* Console.log(`INIT      media ${session.mediaId}, upload before ${session.expiresAt.toISOString()}`)

  // APPEND: the whole file fits in segment 0 (segments are at most 5 MiB).
  yield* client.append(session, 0, bytes)
  yield* Console.log(`APPEND    segment 0, ${bytes.byteLength} bytes`)

  // FINALIZE: Ready, or Processing with X's hint of when to ask again.
  const finalized = yield* client.finalize(session)
  yield* Console.log(
    MediaStatus.MediaStatus.match(finalized, {
      Ready: (ready) => `FINALIZE  ready at once, usable until ${ready.expiresAt.toISOString()}`,
      Processing: (p) => `FINALIZE  ${p.state}, check again after ${p.checkAfterSecs ?? "?"} s`
    })
  )

  // STATUS: polled exactly when check_after_secs says, up to a maximum wait.
  const ready = yield* client.awaitReady(finalized, {
    maxWait: "2 minutes",
    onStatus: (status) =>
      status === finalized || status._tag === "Ready"
        ? Effect.void
        : Console.log(`STATUS    ${status.state} ${status.progressPercent ?? 0}%`)
  })
  yield* Console.log(
    `ready     media ${ready.mediaId} (${ready.mediaType ?? "?"}), usable until ${ready.expiresAt.toISOString()}`
  )
})

program.pipe(
  Effect.provide(exampleLayer({ dialect: "v1" })),
  Effect.catch((error) =>
    Effect.andThen(Console.error(`${error._tag}: ${error.message}`), Effect.sync(() => (process.exitCode = 1)))
  ),
  NodeRuntime.runMain
)
