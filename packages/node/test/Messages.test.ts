/**
 * The CLI's messages from issue #16, each run as a user would: the text holds, and doing what it
 * says gets past the error.
 */
import { describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { join } from "node:path"
import { emulator, oauth1Env, oauth2Env, onlyJson, samples, tempDir } from "./support/Cli.ts"
import { type CliRun, runCli } from "./support/InProcess.ts"

/** Runs the CLI under the TestClock, moving it on until the run ends (for retries' backoff). */
const runFastForward = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(runCli(args, env))
    let done: CliRun | undefined
    while (done === undefined) {
      yield* TestClock.withLive(Effect.sleep("20 millis"))
      yield* TestClock.adjust("5 seconds")
      const exit = fiber.pollUnsafe()
      if (exit !== undefined) done = yield* Fiber.join(fiber)
    }
    return done
  })

describe.concurrent("CLI messages that hold when followed", () => {
  it.live("--concurrency abc and --concurrency 0: one tag, one format; a value in range uploads", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const env = oauth1Env(x)
      const [abc, zero, four] = yield* Effect.all([
        runCli(["upload", samples.png, "--base-url", x.url, "--concurrency", "abc", "--json"], env),
        runCli(["upload", samples.png, "--base-url", x.url, "--concurrency", "0", "--json"], env),
        runCli(["upload", samples.png, "--base-url", x.url, "--concurrency", "4", "--json"], env)
      ], { concurrency: "unbounded" })
      const detail = "must be a whole number from 1 to 16"
      expect(onlyJson(abc.stdout)["error"]).toEqual({
        _tag: "UsageError",
        message: `Invalid --concurrency "abc": ${detail}`,
        option: "--concurrency",
        value: "abc",
        detail
      })
      expect(onlyJson(zero.stdout)["error"]).toEqual({
        _tag: "UsageError",
        message: `Invalid --concurrency "0": ${detail}`,
        option: "--concurrency",
        value: "0",
        detail
      })
      expect([abc.code, zero.code]).toEqual([2, 2])
      expect(four.code, four.stderr).toBe(0)
    }))

  it.live("AuthUnsupported exits 2 and advises the input the user chose: the flag, or the variable", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const flagged = yield* runCli(["upload", samples.png, "--base-url", x.url, "--api", "v1"], oauth2Env(x))
      expect(flagged.code).toBe(2)
      expect(flagged.stderr).toContain("--api v2")
      expect(flagged.stderr).not.toContain("X_MEDIA_API")
      const followedFlag = yield* runCli(["upload", samples.png, "--base-url", x.url, "--api", "v2"], oauth2Env(x))
      expect(followedFlag.code, followedFlag.stderr).toBe(0)

      const variable = yield* runCli(["upload", samples.png, "--base-url", x.url], {
        ...oauth2Env(x),
        X_MEDIA_API: "v1"
      })
      expect(variable.code).toBe(2)
      expect(variable.stderr).toContain("X_MEDIA_API=v2")
      expect(variable.stderr).not.toContain("--api v2")
      const followedVariable = yield* runCli(["upload", samples.png, "--base-url", x.url], {
        ...oauth2Env(x),
        X_MEDIA_API: "v2"
      })
      expect(followedVariable.code, followedVariable.stderr).toBe(0)
      // Nothing was sent for the refused runs: the only requests are those of the two uploads.
      expect(x.requests().map((r) => r.step)).toEqual(["UPLOAD", "UPLOAD"])
    }))

  it.live("no credentials: exit 2, the two alternatives listed, and either one gets past", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const missing = yield* runCli(["upload", samples.png, "--base-url", x.url, "--json"], {})
      expect(missing.code).toBe(2)
      const error = onlyJson(missing.stdout)["error"]
      expect(error).toMatchObject({
        _tag: "MissingCredentials",
        missing: [],
        alternatives: [["X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"], [
          "X_OAUTH2_ACCESS_TOKEN"
        ]]
      })
      expect(missing.stderr).toMatch(
        /Set either X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET .*, or X_OAUTH2_ACCESS_TOKEN/
      )
      expect(x.requests()).toEqual([])
      for (const env of [oauth1Env(x), oauth2Env(x)]) {
        const followed = yield* runCli(["upload", samples.png, "--base-url", x.url], env)
        expect(followed.code, followed.stderr).toBe(0)
      }
    }))

  it.live("a missing file is reported before missing credentials; fixed, the credentials come next", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const dir = yield* tempDir
      const typo = join(dir, "sampel.png")
      const first = yield* runCli(["upload", typo, "--base-url", x.url, "--json"], {})
      expect(first.code).toBe(1)
      expect(onlyJson(first.stdout)["error"]).toMatchObject({
        _tag: "MediaSourceError",
        reason: "not-found",
        source: typo
      })
      const badFlag = yield* runCli(["upload", samples.png, "--chunk-size", "0", "--json"], {})
      expect(onlyJson(badFlag.stdout)["error"]).toMatchObject({ _tag: "UsageError", option: "--chunk-size" })
      const second = yield* runCli(["upload", samples.png, "--base-url", x.url, "--json"], {})
      expect(onlyJson(second.stdout)["error"]).toMatchObject({ _tag: "MissingCredentials" })
      expect(x.requests()).toEqual([])
    }))

  it.effect("a refused connection after --base-url names --base-url, counts the attempts, promises nothing", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const url = x.url
      yield* Effect.promise(() => x.close())
      const run = yield* runFastForward(["upload", samples.png, "--base-url", url, "--json"], oauth1Env(x))
      expect(run.code).toBe(1)
      const error = onlyJson(run.stdout)["error"]
      expect(error).toMatchObject({ _tag: "NetworkError", step: "UPLOAD", attempts: 5, hostIsOverride: true })
      expect(run.stderr).toContain(`Check that the server at ${url} (the base URL you set) is running and reachable.`)
      expect(run.stderr).toContain("That base URL was set with --base-url.")
      expect(run.stderr).toContain("failed (5 attempts)")
      expect(run.stderr).not.toMatch(/X_MEDIA_BASE_URL|retrying usually works/)
      const viaVariable = yield* runFastForward(["upload", samples.png, "--json"], {
        ...oauth1Env(x),
        X_MEDIA_BASE_URL: url
      })
      expect(viaVariable.stderr).toContain("That base URL was set with X_MEDIA_BASE_URL.")
    }))

  it.live("a retry says attempt N of M (the final error's attempts are asserted above)", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "UPLOAD", times: 1, fault: Fault.httpError(503) }]
      })
      const run = yield* runCli(["upload", samples.png, "--base-url", x.url], oauth1Env(x))
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/^Retrying UPLOAD in [\d.]+ s \(attempt 2 of 5\): /m)
    }))

  it.live("an idle timeout points at --timeout; following it (a longer one) gets past", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        // The image's one request times out first; the chunked upload it falls back to, at INIT.
        faults: (["UPLOAD", "INIT"] as const).map((step) => ({ step, times: Infinity, fault: Fault.delay(700) }))
      })
      const short = yield* runCli(
        ["upload", samples.png, "--base-url", x.url, "--timeout", "0.2", "--json"],
        oauth1Env(x)
      )
      expect(short.code).toBe(1)
      expect(onlyJson(short.stdout)["error"]).toMatchObject({ _tag: "NetworkError", timedOut: true, step: "INIT" })
      // INIT carries no segment: smaller or fewer segments would not help it.
      expect(short.stderr).toContain("On a slow or unsteady link: raise --timeout SECONDS (or X_MEDIA_TIMEOUT).\n")
      expect(short.stderr).not.toContain("--concurrency")
      const longer = yield* runCli(["upload", samples.png, "--base-url", x.url, "--json"], {
        ...oauth1Env(x),
        X_MEDIA_TIMEOUT: "10"
      })
      expect(longer.code, longer.stderr).toBe(0)
    }))

  it.live("status and post give the same advice in their own flags (status has no --concurrency)", () =>
    Effect.gen(function*() {
      const x = yield* emulator({
        processing: { enabled: false },
        faults: (["STATUS", "UPLOAD", "INIT"] as const).map((step) => ({
          step,
          times: Infinity,
          fault: Fault.delay(700)
        }))
      })
      const status = yield* runCli(
        ["status", "1880028106020515840", "--base-url", x.url, "--timeout", "0.2"],
        oauth1Env(x)
      )
      expect(status.code).toBe(1)
      expect(status.stderr).toContain("That base URL was set with --base-url.\n")
      expect(status.stderr).toContain("On a slow or unsteady link: raise --timeout SECONDS (or X_MEDIA_TIMEOUT).\n")
      expect(status.stderr).not.toContain("--concurrency")
      const post = yield* runCli(
        ["post", "--text", "A photo", samples.png, "--base-url", x.url, "--timeout", "0.2"],
        oauth1Env(x)
      )
      expect(post.code).toBe(1)
      expect(post.stderr).toContain("That base URL was set with --base-url.\n")
      expect(post.stderr).toContain("On a slow or unsteady link: raise --timeout SECONDS (or X_MEDIA_TIMEOUT).\n")
    }))
})
