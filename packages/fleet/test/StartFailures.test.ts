/**
 * What the fleet's layers and commands fail with when they cannot start: typed failures a program can
 * act on (the library) and one line naming what to change (the CLI), never a defect or an internal
 * error. Real PostgreSQL and Redis; the addresses that fail are free ports and a database that does
 * not exist.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Credentials } from "@x-media/core"
import { Cause, Effect, Exit, Layer } from "effect"
import { createServer, type Server } from "node:net"
import { inject } from "vitest"
import * as Fleet from "../src/Fleet.ts"
import * as FleetCredentials from "../src/FleetCredentials.ts"
import * as CliProcess from "./support/CliProcess.ts"
import { startEmulator } from "./support/Harness.ts"
import { freePort, freshDatabase } from "./support/Servers.ts"

const servers = inject("servers")
const databaseUrl = freshDatabase(servers, "start")
const credentials = FleetCredentials.layer([
  Credentials.oauth1({ consumerKey: "k", consumerSecret: "s", accessToken: "1-t", accessTokenSecret: "ts" })
])

/** The typed failure a layer's construction ends with (fails the test on success or a defect). */
const failureOf = <A, E>(layer: Layer.Layer<A, E>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
    if (Exit.isSuccess(exit)) return yield* Effect.die("the layer was built")
    const failure = exit.cause.reasons.find(Cause.isFailReason)
    expect(failure, Cause.pretty(exit.cause)).toBeDefined()
    return failure!.error
  })

/** A listening socket on 127.0.0.1, closed with the test's scope: an address in use. */
const occupiedPort = Effect.acquireRelease(
  Effect.callback<Server>((resume) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.callback<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map((server) => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}))

describe("the fleet's layers cannot start: typed failures", () => {
  it.live("PostgreSQL refusing the connection, or a database that does not exist: SqlError", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const refused = yield* failureOf(Fleet.layerClient({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/x` }))
      assert(refused._tag === "SqlError", String(refused))
      expect(refused.reason._tag).toBe("ConnectionError")
      expect(String(refused.reason.cause)).toContain("ECONNREFUSED")
      const missing = yield* failureOf(
        Fleet.layerClient({ databaseUrl: servers.databaseUrl.replace(/\/[^/]*$/, "/no_such_database") })
      )
      assert(missing._tag === "SqlError", String(missing))
      expect(String(missing.reason.cause)).toContain(`database "no_such_database" does not exist`)
    }))

  it.live("a worker whose Redis refuses the connection: RedisError", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const error = yield* failureOf(
        Fleet.layerWorker({ databaseUrl, redisUrl: `redis://127.0.0.1:${port}` }).pipe(Layer.provide(credentials))
      )
      expect(error).toMatchObject({ _tag: "RedisError" })
    }))

  it.live("a worker told to listen on an address in use: SocketServerError", () =>
    Effect.scoped(Effect.gen(function*() {
      const port = yield* occupiedPort
      const error = yield* failureOf(
        Fleet.layerWorker({ databaseUrl, redisUrl: servers.redisUrl, listen: { host: "127.0.0.1", port } }).pipe(
          Layer.provide(credentials)
        )
      )
      expect(error).toMatchObject({ _tag: "SocketServerError" })
    })))
})

describe("x-media worker and fleet status cannot start: one line naming what to change", () => {
  it("an address in use, a Redis that refuses, a cluster variable that does not parse", async () => {
    const emulator = await startEmulator({ users: 1 })
    const listening = createServer()
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve))
    try {
      const address = listening.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const env = CliProcess.fleetEnv(emulator, servers, databaseUrl)
      const [inUse, redis, variable] = await Promise.all([
        CliProcess.cli(["worker", "--listen", `127.0.0.1:${port}`], env),
        CliProcess.cli(["worker"], { ...env, X_MEDIA_REDIS_URL: `redis://127.0.0.1:${await freePort()}` }),
        CliProcess.cli(["fleet", "status", "--json"], { ...env, PORT: "eighty" })
      ])
      expect(inUse.code, inUse.stderr).toBe(1)
      expect(inUse.stderr).toContain(
        `Error: The worker could not listen on 127.0.0.1:${port} (--listen): listen EADDRINUSE: address already in use 127.0.0.1:${port}. Give another HOST:PORT with --listen, or leave --listen out for a free port.`
      )
      expect(redis.code, redis.stderr).toBe(1)
      expect(redis.stderr).toMatch(
        /Error: The fleet's Redis \(X_MEDIA_REDIS_URL\) could not be used: .*ECONNREFUSED.*\. Check that Redis runs at that address/
      )
      expect(variable.code, variable.stderr).toBe(2)
      expect(JSON.parse(variable.stdout)).toMatchObject({
        error: { _tag: "UsageError", option: "PORT", value: "eighty" }
      })
      expect(variable.stderr).toContain(
        `Error: Invalid PORT "eighty": effect's cluster, which the fleet runs on, reads PORT from the environment`
      )
      for (const run of [inUse, redis, variable]) expect(run.stderr).not.toMatch(/internal error|\n\s+at /)
    } finally {
      listening.close()
      await emulator.close()
    }
  }, 60_000)
})
