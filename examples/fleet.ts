/**
 * A fleet of one: a worker and a durable upload in one process. Start more workers on other
 * machines (`x-media worker`, same variables) and they share the uploads and the rate budget.
 *
 *   X_MEDIA_DATABASE_URL=postgres://… X_MEDIA_REDIS_URL=redis://… npx tsx examples/fleet.ts [path]
 *
 * Without X credentials in the environment it uploads to the embedded emulator.
 */
import { NodeFileSystem, NodePath, NodeRuntime } from "@effect/platform-node"
import { Credentials } from "@x-media/core"
import { Emulator } from "@x-media/emulator"
import { Fleet, FleetCredentials } from "@x-media/fleet"
import { Config, Console, Effect, Layer, Logger } from "effect"
import { hasCredentials, samples } from "./support/target.ts"

const path = process.argv[2] ?? samples.png

const program = Effect.gen(function*() {
  const databaseUrl = yield* Config.Redacted("X_MEDIA_DATABASE_URL")
  const redisUrl = yield* Config.Redacted("X_MEDIA_REDIS_URL")
  // The embedded emulator and its credentials, unless the environment names real ones.
  const target = hasCredentials()
    ? {
      credentials: yield* FleetCredentials.FleetCredentials.pipe(Effect.provide(FleetCredentials.layerConfig)),
      baseUrl: undefined
    }
    : yield* Effect.gen(function*() {
      const emulator = yield* Emulator
      yield* Console.error(`(no credentials in the environment: using the embedded emulator at ${emulator.url})`)
      const c = emulator.credentials
      const credentials = Credentials.oauth1({
        consumerKey: c.consumerKey,
        consumerSecret: c.consumerSecret,
        accessToken: c.accessToken,
        accessTokenSecret: c.accessTokenSecret
      })
      return { credentials: yield* FleetCredentials.make([credentials]), baseUrl: emulator.url }
    })
  const user = target.credentials.users[0]!
  // The worker: takes uploads from the fleet's PostgreSQL, paces requests through Redis.
  const worker = Fleet.layerWorker({ databaseUrl, redisUrl, x: { baseUrl: target.baseUrl } }).pipe(
    Layer.provide(Layer.succeed(FleetCredentials.FleetCredentials, target.credentials))
  )
  // The upload: its identity is the user, the file's path and its SHA-256, so running this again
  // joins the same upload (or returns its result) instead of uploading twice.
  const media = yield* Fleet.submit(path, { user }).pipe(
    Effect.provide(Layer.mergeAll(worker, NodeFileSystem.layer, NodePath.layer))
  )
  yield* Console.log(media.mediaId)
})

program.pipe(
  Effect.provide(Emulator.layer()),
  // The cluster's log lines go to stderr: stdout is the media id only.
  Effect.provide(Logger.layer([Logger.withConsoleError(Logger.formatSimple)])),
  Effect.catch((error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1)))),
  NodeRuntime.runMain
)
