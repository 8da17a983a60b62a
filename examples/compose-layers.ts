/**
 * Composing the upload into your own Effect application, with layers you choose: the fetch
 * transport instead of undici, your own retry policy and idle timeout, and a service of your
 * own (an audit log) that uses the upload.
 *
 *   npx tsx examples/compose-layers.ts
 */
import { NodeFileSystem, NodeRuntime } from "@effect/platform-node"
import { Credentials, MediaClient, MediaSource, Upload, XClient } from "@x-media/core"
import { Emulator } from "@x-media/emulator"
import { Console, Context, Effect, type FileSystem, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { samples } from "./support/target.ts"

/** Your application's own service: uploads and keeps a log of what it uploaded. */
class MediaLibrary extends Context.Service<MediaLibrary, {
  readonly add: (path: string) => Effect.Effect<string, Upload.UploadError>
}>()("example/MediaLibrary") {
  static readonly layer = Layer.effect(
    MediaLibrary,
    Effect.gen(function*() {
      // Capture what the upload needs once, so `add` has no requirements left.
      const context = yield* Effect.context<MediaClient.MediaClient | FileSystem.FileSystem>()
      return MediaLibrary.of({
        add: (path) =>
          Upload.upload(MediaSource.fromFile(path)).pipe(
            Effect.tap((media) =>
              Console.log(`audit: ${path} -> ${media.mediaId} (${media.category}, ${media.size} bytes)`)
            ),
            Effect.map((media) => media.mediaId),
            Effect.provide(context)
          )
      })
    })
  )
}

// The X side, layer by layer: transport → the private, authenticated client to X → the protocol
// client. The credentials stay inside XClient: the HttpClient in the context is not touched, so no
// other service of the application can send them anywhere.
const xLayer = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* Emulator // against X: XClient.layerConfig(XMediaConfig.options) instead
  const credentials = Credentials.oauth1({
    consumerKey: emulator.credentials.consumerKey,
    consumerSecret: emulator.credentials.consumerSecret,
    accessToken: emulator.credentials.accessToken,
    accessTokenSecret: emulator.credentials.accessTokenSecret
  })
  return MediaClient.layer.pipe(
    Layer.provide(XClient.layer({
      credentials,
      dialect: "v2",
      baseUrl: emulator.url,
      idleTimeout: "30 seconds",
      retry: { maxAttempts: 3, baseDelay: "200 millis" }
    })),
    Layer.provide(FetchHttpClient.layer)
  )
})).pipe(Layer.provide(Emulator.layer({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } })))

const AppLayer = MediaLibrary.layer.pipe(Layer.provide(Layer.merge(xLayer, NodeFileSystem.layer)))

const program = Effect.gen(function*() {
  const library = yield* MediaLibrary
  const ids = yield* Effect.all([library.add(samples.png), library.add(samples.gif)], { concurrency: 2 })
  yield* Console.log(ids.join("\n"))
})

program.pipe(
  Effect.provide(AppLayer),
  Effect.catch((error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1)))),
  NodeRuntime.runMain
)
