/**
 * A fleet worker as its own process, for the tests and the benchmark (so that `kill -9` is real):
 * the library's `Fleet.layerWorker` with the credentials of several users (JSON in
 * FLEET_TEST_CREDENTIALS), against the emulator at X_MEDIA_BASE_URL. Prints `ready` on stdout once
 * it has joined the fleet.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Credentials } from "@x-media/core"
import { Effect, Layer, References } from "effect"
import * as Fleet from "../../src/Fleet.ts"
import * as FleetCredentials from "../../src/FleetCredentials.ts"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

interface TestCredentials {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly accessToken: string
  readonly accessTokenSecret: string
}

const list = (JSON.parse(env("FLEET_TEST_CREDENTIALS")) as ReadonlyArray<TestCredentials>).map((c) =>
  Credentials.oauth1(c)
)
const windowMillis = Number(process.env["FLEET_TEST_WINDOW_MILLIS"] ?? 900_000)

const worker = Fleet.layerWorker({
  databaseUrl: env("X_MEDIA_DATABASE_URL"),
  redisUrl: env("X_MEDIA_REDIS_URL"),
  concurrency: Number(process.env["FLEET_TEST_CONCURRENCY"] ?? 8),
  x: { baseUrl: env("X_MEDIA_BASE_URL"), retry: { baseDelay: "50 millis", maxDelay: "500 millis" } },
  budget: { window: windowMillis + 1000 }
}).pipe(Layer.provide(FleetCredentials.layer(list)))

Effect.gen(function*() {
  yield* Effect.sync(() => process.stdout.write("ready\n"))
  return yield* Effect.never
}).pipe(
  Effect.provide(worker),
  Effect.provide(
    process.env["FLEET_TEST_DEBUG"] === "1" ? Layer.succeed(References.MinimumLogLevel, "Debug") : Layer.empty
  ),
  NodeRuntime.runMain
)
