/**
 * Progress reporting: every phase of an upload as events (segments sent, processing state and
 * percent, retries, rate-limit waits), here printed one line each.
 *
 *   npx tsx examples/progress.ts [path]
 */
import { NodeRuntime } from "@effect/platform-node"
import { MediaSource, Progress, Upload } from "@x-media/core"
import { Console, Effect } from "effect"
import { exampleLayer, samples } from "./support/target.ts"

const describe = Progress.UploadEvent.$match({
  Planned: (e) =>
    `planned     ${e.totalBytes} bytes of ${e.mediaType} as ${e.category}, ${
      e.oneRequest ? "in one request" : `${e.segmentCount} segment(s)`
    }`,
  ChunkedInstead: (e) => `chunked     X did not take one request (${e.reason}); ${e.segmentCount} segment(s) instead`,
  Initialized: (e) => `initialized ${e.mediaId}${e.resumed ? " (resumed)" : ""}`,
  SegmentSent: (e) => `sent        segment ${e.segmentIndex}: ${e.bytesSent}/${e.totalBytes} bytes`,
  Retrying: (e) => `retrying    ${e.step} in ${e.delayMillis} ms (attempt ${e.attempt}): ${e.reason}`,
  Adapted: (e) =>
    `slowing     ${e.concurrency} segment(s) of ${e.chunkSize} bytes at a time (segment ${e.segmentIndex} timed out)`,
  RateLimitWait: (e) => `waiting     for the rate limit until ${e.until.toISOString()}`,
  Finalized: (e) => `finalized   ${e.status._tag}`,
  ProcessingUpdate: (e) => `processing  ${e.state} ${e.progressPercent ?? 0}%`,
  AltTextSet: () => `alt text    set`,
  Ready: (e) => `ready       ${e.mediaId}`
})

const program = Upload.upload(MediaSource.fromFile(process.argv[2] ?? samples.mp4), {
  chunkSize: 1024,
  concurrency: 2,
  onProgress: (event) => Console.log(describe(event))
})

program.pipe(
  Effect.provide(exampleLayer()),
  Effect.catch((error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1)))),
  NodeRuntime.runMain
)
