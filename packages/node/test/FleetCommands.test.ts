/**
 * The fleet commands' checks made before the fleet is reached (issue #15): usage errors, exit
 * code 2, one format. The fleet itself (workers, durable uploads) is tested in packages/fleet.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { onlyJson, samples } from "./support/Cli.ts"
import { runCli } from "./support/InProcess.ts"

const credentials = {
  X_API_KEY: "key",
  X_API_SECRET: "secret",
  X_ACCESS_TOKEN: "1234-token",
  X_ACCESS_TOKEN_SECRET: "token-secret"
}

describe.concurrent("x-media fleet commands", () => {
  it.live("fleet status names the missing X_MEDIA_DATABASE_URL, with exit code 2", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["fleet", "status", "--json"], {})
      expect(run.code).toBe(2)
      expect(onlyJson(run.stdout)).toMatchObject({ error: { _tag: "UsageError", option: "X_MEDIA_DATABASE_URL" } })
      expect(run.stderr).toContain("X_MEDIA_DATABASE_URL")
    }))

  it.live("a database that cannot be reached is a typed failure naming X_MEDIA_DATABASE_URL, not an internal error", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["fleet", "status", "--json"], { X_MEDIA_DATABASE_URL: "postgres://x:y@127.0.0.1:1/x" })
      expect(run.code, run.stderr).toBe(1)
      expect(onlyJson(run.stdout)).toMatchObject({
        error: { _tag: "FleetUnreachable", variable: "X_MEDIA_DATABASE_URL" }
      })
      expect(run.stderr).toMatch(
        /^Error: The fleet's PostgreSQL \(X_MEDIA_DATABASE_URL\) could not be used: .+ECONNREFUSED.+\. Check/
      )
      expect(run.stderr).not.toMatch(/internal error|\n\s+at /)
      // The URL's password is not printed.
      expect(run.stderr).not.toContain("x:y@")
    }))

  it.live("X_MEDIA_DATABASE_URL and X_MEDIA_REDIS_URL that are not such URLs are usage errors, their values not printed", () =>
    Effect.gen(function*() {
      for (const url of ["not a url", "x:secret@host/db", "mysql://x:secret@host/db"]) {
        const run = yield* runCli(["fleet", "status", "--json"], { X_MEDIA_DATABASE_URL: url })
        expect(run.code, run.stderr).toBe(2)
        expect(onlyJson(run.stdout)).toMatchObject({ error: { _tag: "UsageError", option: "X_MEDIA_DATABASE_URL" } })
        expect(run.stderr).toContain(
          "X_MEDIA_DATABASE_URL \"\": is not a postgres:// or postgresql:// URL: set it to postgres://user:password@host:5432/database"
        )
        expect(run.stderr).not.toContain("secret")
      }
      const redis = yield* runCli(["worker"], {
        ...credentials,
        X_MEDIA_DATABASE_URL: "postgres://user@127.0.0.1:1/none",
        X_MEDIA_REDIS_URL: "http://user:secret@127.0.0.1:6379"
      })
      expect(redis.code, redis.stderr).toBe(2)
      expect(redis.stderr).toContain(
        `Error: Invalid X_MEDIA_REDIS_URL "": is not a redis:// or rediss:// URL: set it to redis://host:6379`
      )
      expect(redis.stderr).not.toContain("secret")
    }))

  it.live("worker --concurrency is checked as text, in the one usage error format", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["worker", "--concurrency", "abc"], {
        X_MEDIA_DATABASE_URL: "postgres://x@127.0.0.1:1/x"
      })
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(`Error: Invalid --concurrency "abc": must be a whole number of 1 or more`)
      expect(run.stderr).toContain("Run `x-media worker --help` for usage.")
    }))

  it.live("worker --listen must be HOST:PORT", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["worker", "--listen", "nowhere"], {
        X_MEDIA_DATABASE_URL: "postgres://x@127.0.0.1:1/x"
      })
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(`Error: Invalid --listen "nowhere": must be HOST:PORT`)
    }))

  it.live("upload --durable takes one file: several are refused before anything is read or sent", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["upload", samples.png, samples.gif, "--durable", "--json"], credentials)
      expect(run.code).toBe(2)
      expect(onlyJson(run.stdout)).toMatchObject({ error: { _tag: "UsageError" } })
      expect(run.stderr).toContain("--durable works with one file")
    }))

  it.live("upload --durable refuses standard input, --session, --emulator and the request flags", () =>
    Effect.gen(function*() {
      const stdin = yield* runCli(["upload", "-", "--durable"], credentials)
      expect(stdin.code).toBe(2)
      expect(stdin.stderr).toContain("--durable cannot upload standard input")
      const session = yield* runCli(
        ["upload", samples.png, "--durable", "--session", "/tmp/x-media-never.json"],
        credentials
      )
      expect(session.code).toBe(2)
      expect(session.stderr).toContain("--durable cannot be combined with --session or --emulator")
      const emulator = yield* runCli(["upload", samples.png, "--durable", "--emulator"], {})
      expect(emulator.code).toBe(2)
      expect(emulator.stderr).toContain("--durable cannot be combined with --session or --emulator")
      const requestFlags = yield* runCli(
        ["upload", samples.png, "--durable", "--timeout", "30", "--max-rate-limit-wait", "0"],
        credentials
      )
      expect(requestFlags.code).toBe(2)
      expect(requestFlags.stderr).toContain(
        "--durable cannot be combined with --timeout or --max-rate-limit-wait: the fleet's workers make the requests. " +
          "Give --timeout and --max-rate-limit-wait to the workers (x-media worker)"
      )
    }))

  it.live("worker --timeout and --max-rate-limit-wait (or their variables) are checked before anything starts", () =>
    Effect.gen(function*() {
      const timeout = yield* runCli(["worker", "--timeout", "0"], {
        X_MEDIA_DATABASE_URL: "postgres://user@127.0.0.1:1/none"
      })
      expect(timeout.code).toBe(2)
      expect(timeout.stderr).toContain(`Invalid --timeout "0": must be a number of seconds greater than 0`)
      const wait = yield* runCli(["worker"], {
        X_MEDIA_DATABASE_URL: "postgres://user@127.0.0.1:1/none",
        X_MEDIA_MAX_RATE_LIMIT_WAIT: "later"
      })
      expect(wait.code).toBe(2)
      expect(wait.stderr).toContain(`Invalid X_MEDIA_MAX_RATE_LIMIT_WAIT "later"`)
    }))

  it.live("upload --durable without X_MEDIA_DATABASE_URL says what to set, with exit code 2", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["upload", samples.png, "--durable"], credentials)
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("X_MEDIA_DATABASE_URL")
      expect(run.stderr).toContain("postgres://")
      expect(run.stdout).toBe("")
    }))
})
