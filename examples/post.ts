/**
 * From files to posts in one call each: a video with English subtitles, then a reply with two
 * images and their alt text. `Post.publish` checks everything it can first (text length, X's
 * combination rules, each file), uploads the files concurrently, waits until X has processed each,
 * sets alt text and subtitles, and only then creates the post, once.
 *
 *   npx tsx examples/post.ts
 *
 * Without credentials in the environment it posts to the embedded emulator. Against X, an OAuth 2.0
 * token needs the tweet.write scope besides media.write.
 */
import { NodeRuntime } from "@effect/platform-node"
import { MediaSource, Post } from "@x-media/core"
import { Console, Effect } from "effect"
import { exampleLayer, samples } from "./support/target.ts"

const subtitles = new URL("./media/sample.srt", import.meta.url).pathname

const program = Effect.gen(function*() {
  const video = yield* Post.publish({
    text: "A short clip, with subtitles 🎬",
    media: [{
      source: MediaSource.fromFile(samples.mp4),
      subtitles: { source: MediaSource.fromFile(subtitles), languageCode: "en" }
    }]
  })
  yield* Console.log(
    `video post ${video.post.id}: media ${video.media[0]?.mediaId}, subtitles ${
      video.subtitles[0]?.map((t) => t.languageCode).join(", ")
    }`
  )

  const reply = yield* Post.publish({
    text: "Two stills from it",
    replyTo: video.post.id,
    media: [
      { source: MediaSource.fromFile(samples.png), altText: "The first frame: a gradient" },
      { source: MediaSource.fromFile(samples.png), altText: "The same frame again" }
    ]
  })
  yield* Console.log(`reply post ${reply.post.id}: media ${reply.media.map((m) => m.mediaId).join(", ")}`)
})

// Every failure is a typed error whose message says what to do; print it and exit 1.
program.pipe(
  Effect.provide(exampleLayer()),
  Effect.catch((error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1)))),
  NodeRuntime.runMain
)
