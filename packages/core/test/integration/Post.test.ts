import { describe, expect, it } from "@effect/vitest"
import { Emulator, Fault } from "@x-media/emulator"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import type { MediaClient } from "../../src/MediaClient.ts"
import * as MediaSource from "../../src/MediaSource.ts"
import * as Post from "../../src/Post.ts"
import * as Progress from "../../src/Progress.ts"
import type { UploadEvent } from "../../src/Progress.ts"
import * as Subtitles from "../../src/Subtitles.ts"
import { upload, UploadedMedia } from "../../src/Upload.ts"
import type { XClient } from "../../src/XClient.ts"
import { clientLayer, emulatorLayer, type Scheme } from "../support/AgainstEmulator.ts"

const png = (size = 2048) => {
  const bytes = randomBytes(size)
  Buffer.from("89504e470d0a1a0a", "hex").copy(bytes)
  return new Uint8Array(bytes)
}
const mp4 = (size = 4096) => {
  const bytes = randomBytes(size)
  Buffer.concat([Buffer.from("00000018", "hex"), Buffer.from("ftypisom", "latin1")]).copy(bytes)
  return new Uint8Array(bytes)
}
const srt = new TextEncoder().encode(
  "1\n00:00:00,000 --> 00:00:01,500\nHello\n\n2\n00:00:01,500 --> 00:00:03,000\nWorld\n"
)

const image = (name: string, altText?: string) => ({ source: MediaSource.fromBytes(png(), name), altText })

/** The steps the emulator received, in order, as `STEP` or `STEP:<media id>`. */
const steps = (emulator: Emulator["Service"]) => emulator.requests().map((r) => r.step)

/** A progress listener that records the tags of the events it gets in `into`. */
const hear = (into: Array<string>) => (event: UploadEvent) =>
  Effect.sync(() => {
    into.push(event._tag)
  })

/** Sends `POST /2/tweets` by hand, as a client that does not wait for processing would. */
const rawPost = (emulator: Emulator["Service"], body: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${emulator.url}/2/tweets`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.credentials.oauth2Token}`, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return { status: response.status, body: await response.text() }
  })

const schemes: ReadonlyArray<Scheme> = ["oauth1", "oauth2"]

describe("posts against the emulator", () => {
  it.layer(emulatorLayer({ processing: { checkAfterSecs: 1, inProgressSteps: 2 } }), { excludeTestServices: true })(
    (it) => {
      for (const scheme of schemes) {
        const run = <A, E>(
          effect: Effect.Effect<A, E, MediaClient | XClient | Emulator>
        ) =>
          Effect.provide(
            Effect.andThen(Emulator.use((e) => Effect.sync(() => e.reset())), effect),
            clientLayer("v2", scheme)
          )

        it.effect(`${scheme}: a post with 4 images: uploaded concurrently, each with its alt text, then posted once`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const published = yield* Post.publish({
              text: "Four cats © 2026",
              media: [
                image("a.png", "cat a"),
                image("b.png", "cat b"),
                image("c.png", "cat c"),
                image("d.png", "cat d")
              ]
            })
            const posts = emulator.posts()
            expect(posts).toHaveLength(1)
            const post = posts[0]!
            expect(post).toMatchObject({ id: published.post.id, text: "Four cats © 2026", weightedLength: 16 })
            expect(post.mediaIds).toEqual(published.media.map((m) => m.mediaId))
            expect(post.media.map((m) => [m.kind, m.state, m.altText])).toEqual([
              ["image", "succeeded", "cat a"],
              ["image", "succeeded", "cat b"],
              ["image", "succeeded", "cat c"],
              ["image", "succeeded", "cat d"]
            ])
            // The post comes last, after every alt text; each image went in one request.
            const order = steps(emulator)
            expect(order.at(-1)).toBe("POST")
            expect(order.filter((s) => s === "POST")).toHaveLength(1)
            expect(order.filter((s) => s === "METADATA")).toHaveLength(4)
            expect(order.filter((s) => s === "UPLOAD")).toHaveLength(4)
            expect(order.filter((s) => s === "INIT" || s === "APPEND" || s === "FINALIZE")).toEqual([])
            expect(new Set(emulator.requests().map((r) => r.auth))).toEqual(new Set([scheme]))
          })))

        it.effect(`${scheme}: a video still processing is never posted before it is ready; subtitles are attached first`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const published = yield* Post.publish({
              text: "A video with subtitles",
              media: [{
                source: MediaSource.fromBytes(mp4(), "clip.mp4"),
                subtitles: { source: MediaSource.fromBytes(srt, "clip.srt"), languageCode: "en" }
              }]
            })
            const video = published.media[0]!
            expect(published.subtitles[0]).toEqual([
              { subtitlesId: expect.stringMatching(/^[0-9]+$/), languageCode: "EN", displayName: "English" }
            ])
            const post = emulator.post(published.post.id)
            expect(post?.media[0]).toMatchObject({ kind: "video", state: "succeeded" })
            expect(post?.media[0]?.subtitles).toEqual([
              { id: published.subtitles[0]![0]!.subtitlesId, languageCode: "EN", displayName: "English" }
            ])
            // Order for the video: STATUS until ready (it was in progress twice), subtitles, then the one post.
            const forVideo = emulator.requests()
              .filter((r) => r.mediaId === video.mediaId || r.step === "POST")
              .map((r) => r.step)
            expect(forVideo.slice(-5)).toEqual(["STATUS", "STATUS", "STATUS", "SUBTITLES_CREATE", "POST"])
            expect(emulator.media(video.mediaId)?.prematureStatusChecks).toBe(0)
            expect(emulator.requests().every((r) => r.step !== "POST" || r.status === 201)).toBe(true)
          })))

        it.effect(`${scheme}: 5 images fail with the combination rule before any request`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const error = yield* Effect.flip(Post.publish({
              text: "too many",
              media: ["1", "2", "3", "4", "5"].map((n) => image(`${n}.png`))
            }))
            expect(error._tag).toBe("InvalidMediaCombination")
            expect(error).toMatchObject({ rule: "too-many-media", count: 5 })
            expect(error.message).toContain("at most 4 images")
            expect(emulator.requests()).toEqual([])
          })))

        it.effect(`${scheme}: a GIF with an image, or a text over 280, fail before any request`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const gif = new TextEncoder().encode("GIF89a" + "x".repeat(100))
            const mixed = yield* Effect.flip(Post.publish({
              text: "mixed",
              media: [{ source: MediaSource.fromBytes(gif, "a.gif") }, image("b.png")]
            }))
            expect(mixed).toMatchObject({ _tag: "InvalidMediaCombination", rule: "gif-not-alone", gifs: 1, images: 1 })
            const long = yield* Effect.flip(Post.publish({ text: "漢".repeat(141), media: [image("a.png")] }))
            expect(long).toMatchObject({ _tag: "InvalidPostText", reason: "too-long", weightedLength: 282 })
            expect(emulator.requests()).toEqual([])
          })))

        it.effect(`${scheme}: a post with an expired media id gets InvalidMediaIds; a known expiry fails without a request`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const media = yield* upload(MediaSource.fromBytes(png(), "a.png"))
            emulator.advanceClock(2 * 86_400_000)
            const refused = yield* Effect.flip(Post.create({ text: "late", media: [media.mediaId] }))
            expect(refused._tag).toBe("InvalidMediaIds")
            expect(refused).toMatchObject({ mediaIds: [media.mediaId], status: 400 })
            expect(refused.message).toContain("unexpired")
            expect(emulator.posts()).toEqual([])
            const before = emulator.requests().length
            const known = new UploadedMedia({ ...media, expiresAt: new Date(Date.now() - 1000) })
            const expired = yield* Effect.flip(Post.create({ text: "late", media: [known] }))
            expect(expired).toMatchObject({ _tag: "MediaExpired", mediaId: media.mediaId, step: "POST" })
            expect(emulator.requests()).toHaveLength(before)
          })))

        it.effect(`${scheme}: the emulator refuses a post of media still in_progress, and the library never sends one`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const pending = yield* upload(MediaSource.fromBytes(mp4(), "clip.mp4"), { wait: false })
            expect(pending.state).not.toBe("succeeded")
            // A client that does not wait: X's rule, seen from the server.
            const raw = yield* rawPost(emulator, { text: "too soon", media: { media_ids: [pending.mediaId] } })
            expect(raw.status).toBe(400)
            expect(raw.body).toContain("Your media IDs are invalid.")
            // The library refuses it before sending anything.
            const before = emulator.requests().length
            const error = yield* Effect.flip(Post.create({ text: "too soon", media: [pending] }))
            expect(error).toMatchObject({ _tag: "MediaNotReady", mediaId: pending.mediaId })
            expect(emulator.requests()).toHaveLength(before)
            expect(emulator.posts()).toEqual([])
          })))

        it.effect(`${scheme}: a failure without a clear answer is never resent: the outcome is unknown`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const media = yield* upload(MediaSource.fromBytes(png(), "a.png"))
            for (const fault of [Fault.httpError(503), Fault.dropConnection()]) {
              emulator.setFaults([{ step: "POST", fault }])
              const error = yield* Effect.flip(Post.create({ text: "once", media: [media] }))
              expect(error._tag).toBe("PostOutcomeUnknown")
              expect(error.message).toContain("Check the account's posts before posting again")
            }
            emulator.setFaults([])
            expect(steps(emulator).filter((s) => s === "POST")).toHaveLength(2)
          })))

        it.effect(`${scheme}: metadata and subtitles on their own; a reply and a quote`, () =>
          run(Effect.gen(function*() {
            const emulator = yield* Emulator
            const published = yield* Post.publish({
              text: "",
              media: [{
                source: MediaSource.fromBytes(png(), "a.png"),
                altText: "a cat",
                metadata: {
                  sensitiveMediaWarning: { graphicViolence: true },
                  foundMediaOrigin: { provider: "giphy", id: "abc123" }
                }
              }]
            })
            expect(emulator.post(published.post.id)?.media[0]).toMatchObject({
              altText: "a cat",
              sensitiveMediaWarning: { adultContent: false, graphicViolence: true, other: false },
              foundMediaOrigin: { provider: "giphy", id: "abc123" }
            })
            const reply = yield* Post.create({ text: "a reply", replyTo: published.post.id, quote: published.post.id })
            expect(emulator.post(reply.id)).toMatchObject({ replyTo: published.post.id, quoteOf: published.post.id })
            const missing = yield* Effect.flip(Post.create({ text: "to nothing", replyTo: "123" }))
            expect(missing).toMatchObject({ _tag: "XApiError", status: 403 })

            const video = yield* upload(MediaSource.fromBytes(mp4(), "clip.mp4"))
            const file = yield* Subtitles.upload(MediaSource.fromBytes(srt, "clip.srt"))
            yield* Subtitles.attach({ videoId: video.mediaId, subtitlesId: file.mediaId, languageCode: "DE" })
            expect(emulator.media(video.mediaId)?.subtitles.map((s) => s.languageCode)).toEqual(["DE"])
            expect(yield* Subtitles.remove({ videoId: video.mediaId, languageCode: "de" })).toBe(true)
            expect(yield* Subtitles.remove({ videoId: video.mediaId, languageCode: "de" })).toBe(false)
            const bad = yield* Effect.flip(
              Subtitles.attach({ videoId: video.mediaId, subtitlesId: file.mediaId, languageCode: "eng" })
            )
            expect(bad).toMatchObject({ _tag: "InvalidOption", option: "language code" })
          })))
      }

      it.effect("v1 uploads (OAuth 1.0a) are posted through the v2 posts endpoint", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          const published = yield* Post.publish({
            text: "from v1.1",
            media: [image("a.png", "a"), image("b.png", "b")]
          })
          expect(emulator.post(published.post.id)?.media.map((m) => [m.dialect, m.altText])).toEqual([["v1", "a"], [
            "v1",
            "b"
          ]])
        }).pipe(Effect.provide(clientLayer("v1", "oauth1"))))

      it.effect("a failed upload stops the others and nothing is posted", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          // X refuses the second image both ways: in one request, then at FINALIZE.
          emulator.setFaults([
            { step: "UPLOAD", nth: 2, fault: Fault.httpError(400) },
            { step: "FINALIZE", fault: Fault.httpError(400) }
          ])
          const error = yield* Effect.flip(Post.publish({ text: "half", media: [image("a.png"), image("b.png")] }))
          emulator.setFaults([])
          expect(error).toMatchObject({ _tag: "XApiError", step: "FINALIZE", status: 400 })
          expect(steps(emulator)).not.toContain("POST")
          expect(emulator.posts()).toEqual([])
        }).pipe(Effect.provide(clientLayer("v2", "oauth1"))))

      it.effect("a post that never gets an answer is not resent after the idle timeout: its outcome is unknown", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "POST", fault: Fault.neverAnswer() }])
          const error = yield* Effect.flip(Post.create({ text: "silence" }))
          emulator.setFaults([])
          expect(error).toMatchObject({ _tag: "PostOutcomeUnknown", endpoint: "POST /2/tweets" })
          expect(error.message).toContain("no answer came")
          expect(steps(emulator).filter((s) => s === "POST")).toHaveLength(1)
        }).pipe(Effect.provide(clientLayer("v2", "oauth2", { idleTimeout: "300 millis" }))))

      it.effect("posts take their turn in the rate budget's posts.create group", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          yield* Post.create({ text: "first" })
          const error = yield* Effect.flip(Post.create({ text: "second" }))
          expect(error).toMatchObject({ _tag: "RateLimited", step: "POST", limit: 1 })
          expect(emulator.posts().map((p) => p.text)).toEqual(["first"])
        }).pipe(
          Effect.provide(
            clientLayer("v2", "oauth2", { budget: { "posts.create": 1 }, retry: { maxRateLimitWait: "1 second" } })
          )
        ))
    }
  )

  // An emulator of their own: the layer above moves its clock days ahead, and X's windows with it.
  it.layer(emulatorLayer({ processing: { checkAfterSecs: 1, inProgressSteps: 2 } }), { excludeTestServices: true })(
    (it) => {
      it.effect("Progress.withListener hears the wait of a request outside an upload: the post held by a 429", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          emulator.setFaults([{ step: "POST", fault: Fault.rateLimited(1) }])
          const events: Array<UploadEvent> = []
          const post = yield* Post.create({ text: "held" }).pipe(
            Progress.withListener((event) => Effect.sync(() => events.push(event)))
          )
          emulator.setFaults([])
          expect(emulator.posts().map((p) => p.id)).toEqual([post.id])
          expect(events.map((e) => e._tag === "RateLimitWait" ? `${e._tag} ${e.step}` : e._tag)).toEqual([
            "RateLimitWait POST"
          ])
        }).pipe(Effect.provide(clientLayer("v2", "oauth2"))))

      it.effect("an upload without its own onProgress reports to Progress.withListener; one with it does not", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          const outer: Array<string> = []
          const own: Array<string> = []
          yield* upload(MediaSource.fromBytes(png(), "a.png")).pipe(Progress.withListener(hear(outer)))
          expect(outer).toEqual(expect.arrayContaining(["Planned", "Ready"]))
          outer.length = 0
          yield* upload(MediaSource.fromBytes(png(), "b.png"), { onProgress: hear(own) }).pipe(
            Progress.withListener(hear(outer))
          )
          expect(own).toEqual(expect.arrayContaining(["Planned", "Ready"]))
          expect(outer).toEqual([])
        }).pipe(Effect.provide(clientLayer("v2", "oauth2"))))

      it.effect("Progress.withListener is not the channel of the upload a nested one runs in, nor of publish's subtitles", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          emulator.reset()
          const outer: Array<string> = []
          const given: Array<string> = []
          // An upload without onProgress started from another upload's listener reports to withListener's.
          const client = yield* Effect.context<MediaClient>()
          let nested = false
          yield* upload(MediaSource.fromBytes(png(), "outer.png"), {
            onProgress: (event) =>
              event._tag === "Planned" && !nested
                ? Effect.sync(() => (nested = true)).pipe(
                  Effect.andThen(upload(MediaSource.fromBytes(png(), "inner.png"))),
                  Effect.andThen(hear(outer)(event)),
                  Effect.orDie,
                  Effect.provide(client)
                )
                : hear(outer)(event)
          }).pipe(Progress.withListener(hear(given)))
          expect(outer.filter((tag) => tag === "Planned" || tag === "Ready")).toEqual(["Planned", "Ready"])
          expect(given.filter((tag) => tag === "Planned" || tag === "Ready")).toEqual(["Planned", "Ready"])
          // The subtitles file of a post is none of its media: only its retries and waits would reach the
          // listener, while the video's events go to publish's onProgress.
          given.length = 0
          const video: Array<string> = []
          yield* Post.publish({
            text: "A video with subtitles",
            media: [{
              source: MediaSource.fromBytes(mp4(), "clip.mp4"),
              subtitles: { source: MediaSource.fromBytes(srt, "clip.srt"), languageCode: "en" }
            }],
            onProgress: hear(video)
          }).pipe(Progress.withListener(hear(given)))
          expect(video.filter((tag) => tag === "Planned" || tag === "Ready")).toEqual(["Planned", "Ready"])
          expect(given).toEqual([])
        }).pipe(Effect.provide(clientLayer("v2", "oauth2"))))
    }
  )

  it.layer(emulatorLayer({ oauth2Scopes: ["media.write", "tweet.read", "users.read"] }), { excludeTestServices: true })(
    (it) => {
      it.effect("an OAuth 2.0 token without tweet.write gets a clear error naming the scope, sent once", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator
          const error = yield* Effect.flip(Post.publish({ text: "no scope", media: [image("a.png", "a cat")] }))
          expect(error).toMatchObject({ _tag: "AuthenticationFailed", reason: "missing-scope", status: 403 })
          expect(error.message).toContain("lacks the tweet.write scope")
          expect(steps(emulator).filter((s) => s === "POST")).toHaveLength(1)
        }).pipe(Effect.provide(clientLayer("v2", "oauth2"))))
    }
  )
})
