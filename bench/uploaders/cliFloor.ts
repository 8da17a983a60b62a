/**
 * The effect floor as a command: the floor's upload (uploaders/effectFloor.ts) behind effect's CLI
 * (`effect/cli` parsing `upload FILE --json [--chunk-size N] [--concurrency N]`), `NodeServices.layer` and
 * `NodeRuntime.runMain`, as x-media's CLI is built. Settings and credentials come from the CLI's variables
 * (X_MEDIA_API, X_MEDIA_BASE_URL, the OAuth 1.0a ones or X_OAUTH2_ACCESS_TOKEN), read without Schema or
 * Config; the media type from the file's extension. No validation, retries or progress.
 *
 * Bundled and started cold like the CLI, it shows what a command on this stack pays before and around its
 * requests: the gap between it and the CLI is x-media's own.
 *
 * @module
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import { statSync } from "node:fs"
import { program } from "./effectFloor.ts"

const env = (name: string): string => process.env[name] ?? ""

const upload = Command.make("upload", {
  file: Argument.String("file"),
  json: Flag.Boolean("json"),
  chunkSize: Flag.Int("chunk-size").pipe(Flag.withDefault(4 * 1024 * 1024)),
  concurrency: Flag.Int("concurrency").pipe(Flag.withDefault(4))
}, (input) =>
  Effect.gen(function*() {
    const image = input.file.endsWith(".png")
    const { mediaId } = yield* program({
      uploader: "cli-floor",
      dialect: env("X_MEDIA_API") === "v1" ? "v1" : "v2",
      auth: env("X_API_KEY") === "" ? "oauth2" : "oauth1",
      baseUrl: env("X_MEDIA_BASE_URL"),
      path: input.file,
      bytes: statSync(input.file).size,
      mediaType: image ? "image/png" : "video/mp4",
      category: image ? "tweet_image" : "tweet_video",
      chunkSize: input.chunkSize,
      concurrency: input.concurrency,
      credentials: {
        consumerKey: env("X_API_KEY"),
        consumerSecret: env("X_API_SECRET"),
        accessToken: env("X_ACCESS_TOKEN"),
        accessTokenSecret: env("X_ACCESS_TOKEN_SECRET"),
        oauth2Token: env("X_OAUTH2_ACCESS_TOKEN")
      }
    }).pipe(Effect.provide(NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })))
    process.stdout.write(`${JSON.stringify({ media_id: mediaId })}\n`)
  }))

Command.run(Command.make("cli-floor").pipe(Command.withSubcommands([upload])), { version: "0.0.0" }).pipe(
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
