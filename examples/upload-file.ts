/**
 * Upload a file and print its media id: the shortest useful program.
 *
 *   npx tsx examples/upload-file.ts [path]
 *
 * Without credentials in the environment it uploads to the embedded emulator.
 */
import { NodeRuntime } from "@effect/platform-node"
import { MediaSource, Upload } from "@x-media/core"
import { Console, Effect } from "effect"
import { exampleLayer, samples } from "./support/target.ts"

const path = process.argv[2] ?? samples.png

const program = Effect.gen(function*() {
  // Sniffs the type, picks the category, checks the limits, then INIT → APPEND … → FINALIZE →
  // waits for processing. The result is ready to attach to a post.
  const media = yield* Upload.upload(MediaSource.fromFile(path))
  yield* Console.log(media.mediaId)
})

// Every failure is a typed error whose message says what to do; print it and exit 1.
program.pipe(
  Effect.provide(exampleLayer()),
  Effect.catch((error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1)))),
  NodeRuntime.runMain
)
