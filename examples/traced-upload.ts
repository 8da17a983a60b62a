/**
 * Tracing: every upload is a tree of spans (the upload → each protocol step → its request → each
 * attempt, with the step, endpoint, media id, segment, attempt and status as attributes). Any
 * tracer shows it: here effect's own in-memory spans, printed as a tree when the upload is done.
 * In a service, provide an exporter instead, such as effect's `OtlpTracer.layer` (no further
 * dependency) or `@effect/opentelemetry`. Retries and rate-limit waits are also debug log lines:
 * `Effect.provideService(References.MinimumLogLevel, "Debug")` shows them.
 *
 *   npx tsx examples/traced-upload.ts [path]
 */
import { NodeRuntime } from "@effect/platform-node"
import { MediaSource, Upload } from "@x-media/core"
import { Console, Effect, Option, Tracer } from "effect"
import { exampleLayer, samples } from "./support/target.ts"

// effect's in-memory spans: the tracer hands out NativeSpans and keeps them.
const spans: Array<Tracer.NativeSpan> = []
const tracer = Tracer.make({
  span(options) {
    const span = new Tracer.NativeSpan(options)
    spans.push(span)
    return span
  }
})

const durationMillis = (span: Tracer.NativeSpan) =>
  span.status._tag === "Ended" ? Number(span.status.endTime - span.status.startTime) / 1e6 : Number.NaN

const attributesOf = (span: Tracer.NativeSpan) =>
  [...span.attributes]
    .filter(([key]) => key.startsWith("x-media.") || key === "http.response.status_code")
    .map(([key, value]) =>
      `${key.replace(/^x-media\./, "").replace("http.response.status_code", "status")}=${String(value)}`
    )
    .join(" ")

/** The x-media spans under `parent`, indented; the transport's own spans are left out. */
const tree = (parent: Tracer.NativeSpan | undefined, depth: number): Array<string> =>
  spans
    .flatMap((span) =>
      Option.getOrUndefined(span.parent)?.spanId === parent?.spanId && span.name.startsWith("x-media/")
        ? [
          `${"  ".repeat(depth)}${span.name} ${durationMillis(span).toFixed(1)} ms  ${attributesOf(span)}`,
          ...tree(span, depth + 1)
        ]
        : []
    )

const program = Effect.gen(function*() {
  const media = yield* Upload.upload(MediaSource.fromFile(process.argv[2] ?? samples.mp4), {
    chunkSize: 1024,
    concurrency: 2
  })
  yield* Console.log(tree(undefined, 0).join("\n"))
  yield* Console.log(`uploaded ${media.mediaId}`)
})

program.pipe(
  Effect.provide(exampleLayer()),
  Effect.withTracer(tracer),
  Effect.catch((error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1)))),
  NodeRuntime.runMain
)
