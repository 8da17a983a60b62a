import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Tracer } from "effect"
import { randomBytes } from "node:crypto"
import { fromBytes } from "../../src/MediaSource.ts"
import { upload } from "../../src/Upload.ts"
import { clientLayer, emulatorLayer } from "../support/AgainstEmulator.ts"

/** effect's own in-memory spans, collected as effect's tests do. */
const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

const parentOf = (span: Tracer.NativeSpan): Tracer.AnySpan | undefined => Option.getOrUndefined(span.parent)

const video = (size: number) => {
  const bytes = new Uint8Array(randomBytes(size))
  bytes.set([0, 0, 0, 0x18, ...Array.from("ftypisom", (c) => c.charCodeAt(0))])
  return bytes
}

describe("tracing", () => {
  it.layer(emulatorLayer({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } }), { excludeTestServices: true })(
    (it) => {
      it.effect("an upload shows as a tree: upload → INIT, APPEND…, FINALIZE, STATUS, with their attributes", () =>
        Effect.gen(function*() {
          const { spans, tracer } = recordingTracer()
          const media = yield* upload(fromBytes(video(3 * 1024 + 5), "a.mp4"), { chunkSize: 1024, concurrency: 2 })
            .pipe(
              Effect.provide(clientLayer("v2")),
              Effect.withTracer(tracer)
            )
          const roots = spans.filter((span) => span.name === "x-media/Upload.upload")
          expect(roots).toHaveLength(1)
          const root = roots[0]!
          expect(Option.isNone(root.parent)).toBe(true)
          expect(root.attributes.get("x-media.media_id")).toBe(media.mediaId)
          expect(root.attributes.get("x-media.segment_count")).toBe(4)
          expect(root.status._tag).toBe("Ended")

          // The protocol steps are children of the upload.
          const children = spans.filter((span) => parentOf(span)?.spanId === root.spanId)
          const names = children.map((span) => span.name)
          expect(names[0]).toBe("x-media/MediaClient.initialize")
          expect(names.filter((n) => n === "x-media/MediaClient.append")).toHaveLength(4)
          expect(names).toContain("x-media/MediaClient.finalize")
          expect(names).toContain("x-media/MediaClient.awaitReady")
          const appends = children.filter((span) => span.name === "x-media/MediaClient.append")
          expect(appends.map((span) => span.attributes.get("x-media.segment_index")).sort()).toEqual([0, 1, 2, 3])

          // Each step's request, and each request's attempt with the status X answered.
          const requests = spans.filter((span) => span.name === "x-media/XClient.execute")
          const appendRequest = requests.find((span) =>
            span.attributes.get("x-media.step") === "APPEND" && span.attributes.get("x-media.segment_index") === 2
          )!
          expect(appendRequest).toBeDefined()
          expect(parentOf(appendRequest)?.spanId).toBe(
            appends.find((span) => span.attributes.get("x-media.segment_index") === 2)?.spanId
          )
          expect(Object.fromEntries(appendRequest.attributes)).toMatchObject({
            "x-media.endpoint": "POST /2/media/upload/{id}/append",
            "x-media.group": "media.append",
            "x-media.media_id": media.mediaId,
            "x-media.attempts": 1
          })
          const attempt = spans.find((span) =>
            span.name === "x-media/XClient.attempt" && parentOf(span)?.spanId === appendRequest.spanId
          )!
          expect(Object.fromEntries(attempt.attributes)).toMatchObject({
            "x-media.attempt": 1,
            "x-media.step": "APPEND"
          })
          expect(attempt.attributes.get("http.response.status_code")).toBeGreaterThanOrEqual(200)
          const status = requests.filter((span) => span.attributes.get("x-media.step") === "STATUS")
          expect(status.length).toBeGreaterThanOrEqual(1)
          const awaitReady = children.find((span) => span.name === "x-media/MediaClient.awaitReady")!
          for (const request of status) {
            // STATUS requests sit under MediaClient.status, under the wait for processing.
            const statusStep = spans.find((span) => span.spanId === parentOf(request)?.spanId)
            expect(statusStep?.name).toBe("x-media/MediaClient.status")
            expect(parentOf(statusStep!)?.spanId).toBe(awaitReady.spanId)
          }
        }))
    }
  )
})
