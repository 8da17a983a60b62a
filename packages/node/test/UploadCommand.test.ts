import { describe, expect, it } from "@effect/vitest"
import { Fault } from "@x-media/emulator"
import { Effect, Tracer } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type IncomingHttpHeaders } from "node:http"
import { emulator, mp4Bytes, oauth1Env, oauth2Env, onlyJson, samples, tempDir, writeFile } from "./support/Cli.ts"
import { runCli } from "./support/InProcess.ts"

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

describe.concurrent("x-media upload", () => {
  for (
    const [dialect, scheme] of [["v1", "oauth1"], ["v2", "oauth1"], ["v2", "oauth2"]] as const
  ) {
    it.live(`uploads and prints the result JSON: ${dialect} with ${scheme}`, () =>
      Effect.gen(function*() {
        const x = yield* emulator({ processing: { enabled: false } })
        const env = scheme === "oauth1" ? oauth1Env(x) : oauth2Env(x)
        const run = yield* runCli(["upload", samples.png, "--api", dialect, "--base-url", x.url, "--json"], env)
        expect(run.code).toBe(0)
        const result = onlyJson(run.stdout)
        expect(result).toEqual({
          media_id: expect.stringMatching(/^[0-9]{1,19}$/),
          media_key: expect.any(String),
          media_type: "image/png",
          media_category: "tweet_image",
          size: readFileSync(samples.png).byteLength,
          state: "succeeded",
          expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        })
        const media = x.media(String(result["media_id"]))
        expect(media).toMatchObject({ dialect, state: "succeeded", sha256: sha256(samples.png) })
        const auth = x.requests().map((r) => r.auth)
        expect(new Set(auth)).toEqual(new Set([scheme]))
      }))
  }

  it.live("an image goes to X in one request; --chunked sends INIT, APPEND and FINALIZE", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      for (
        const [api, chunked, steps] of [
          ["v2", [], ["UPLOAD"]],
          ["v1", [], ["UPLOAD"]],
          ["v2", ["--chunked"], ["INIT", "APPEND", "FINALIZE"]]
        ] as const
      ) {
        x.reset()
        const run = yield* runCli(["upload", samples.png, "--api", api, "--base-url", x.url, ...chunked], oauth1Env(x))
        expect(run.code).toBe(0)
        expect(x.media(run.stdout.trim())).toMatchObject({ sha256: sha256(samples.png) })
        expect(x.requests().map((r) => r.step)).toEqual(steps)
        // The upload's time counts from the plan when no INIT opened a session.
        expect(run.stderr).toMatch(/Upload done: \d+ B in \d+\.\d s/)
        expect(run.stderr).toContain(
          chunked.length === 0 ? "(tweet_image), in one request." : "(tweet_image), in 1 segment."
        )
      }
    }))

  it.live("says so when X does not take the image in one request, and uploads it in chunks", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      x.setFaults([{ step: "UPLOAD", fault: Fault.rateLimited(900) }])
      const run = yield* runCli(["upload", samples.png, "--base-url", x.url], oauth1Env(x))
      expect(run.code).toBe(0)
      expect(x.requests().map((r) => r.step)).toEqual(["UPLOAD", "INIT", "APPEND", "FINALIZE"])
      expect(run.stderr).toMatch(
        /\nX did not take it in one request \(its rate-limit window is used up until \S+\); uploading it in 1 segment instead\.\n/
      )
    }))

  it.live("--max-rate-limit-wait: a window that resets later fails at once with RateLimited; a shorter one is waited out", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const upload = (wait: ReadonlyArray<string>, env: Record<string, string> = {}) =>
        Effect.gen(function*() {
          x.reset()
          // X answers INIT 429 once, its window resetting in 2 s.
          x.setFaults([{ step: "INIT", fault: Fault.rateLimited(2) }])
          const started = Date.now()
          const run = yield* runCli(["upload", samples.mp4, "--base-url", x.url, ...wait], { ...oauth1Env(x), ...env })
          return { run, millis: Date.now() - started, inits: x.requests().filter((r) => r.step === "INIT").length }
        })
      for (
        const [wait, env] of [[["--max-rate-limit-wait", "0"], {}], [[], { X_MEDIA_MAX_RATE_LIMIT_WAIT: "1" }]] as const
      ) {
        const refused = yield* upload(wait, env)
        expect(refused.run.code).toBe(1)
        expect(refused.run.stderr).toMatch(
          /^Error: Rate limit exceeded on INIT \(.*\)\. The window resets at \S+; try again after that\.$/m
        )
        expect(refused.run.stderr).toContain(
          "To wait for the window instead: --max-rate-limit-wait SECONDS (or X_MEDIA_MAX_RATE_LIMIT_WAIT); the default is 900.\n"
        )
        // Not waited out: a wait would have sent INIT again and succeeded.
        expect(refused.inits).toBe(1)
      }
      const waited = yield* upload(["--max-rate-limit-wait", "10"])
      expect(waited.run.code).toBe(0)
      expect(waited.run.stderr).toContain("X's rate limit for INIT is used up; waiting until ")
      expect(waited.inits).toBe(2)
      expect(waited.millis).toBeGreaterThanOrEqual(1500)
    }))

  it.live("prints only the media id on stdout, and one plain line per phase on stderr without a terminal", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { checkAfterSecs: 1, inProgressSteps: 1 } })
      const run = yield* runCli(["upload", samples.mp4, "--base-url", x.url], oauth1Env(x))
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^[0-9]{1,19}\n$/)
      const id = run.stdout.trim()
      expect(x.media(id)).toMatchObject({ state: "succeeded", sha256: sha256(samples.mp4) })
      // eslint-disable-next-line no-control-regex
      expect(run.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/)
      const lines = run.stderr.trim().split("\n")
      const phases = [
        "Planned:",
        "Initialized media",
        "Upload done:",
        "Finalized:",
        "Processing:",
        "Ready:",
        "Uploaded"
      ]
      let at = -1
      for (const phase of phases) {
        const next = lines.findIndex((line, i) => i > at && line.startsWith(phase))
        expect(next, `${phase} after line ${at} in:\n${run.stderr}`).toBeGreaterThan(at)
        at = next
      }
    }))

  it.live("--emulator uploads to an embedded emulator with no credentials in the environment", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["upload", "--emulator", samples.mp4, "--json"])
      expect(run.code).toBe(0)
      expect(onlyJson(run.stdout)).toMatchObject({
        media_type: "video/mp4",
        media_category: "tweet_video",
        state: "succeeded"
      })
      expect(run.stderr).toContain("Started an X emulator at http://127.0.0.1:")
      expect(run.stderr).toMatch(/Processing: in_progress/)
    }))

  it.live("fails with the error JSON and exit code 1 when X refuses the size (scaled-down limit)", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ limits: { image: 100 } })
      const run = yield* runCli(["upload", samples.png, "--base-url", x.url, "--json"], oauth1Env(x))
      expect(run.code).toBe(1)
      const { error } = onlyJson(run.stdout)
      expect(error).toMatchObject({
        _tag: "XApiError",
        step: "INIT",
        status: 400,
        message: expect.stringContaining("<= 100 bytes")
      })
      expect(run.stderr).not.toContain("    at ")
    }))

  it.live("fails before any request for an empty file, with its typed error", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const dir = yield* tempDir
      const empty = writeFile(dir, "empty.png", new Uint8Array(0))
      const [json, plain] = yield* Effect.all([
        runCli(["upload", empty, "--base-url", x.url, "--json"], oauth1Env(x)),
        runCli(["upload", empty, "--base-url", x.url], oauth1Env(x))
      ], { concurrency: 2 })
      expect(json.code).toBe(1)
      expect(onlyJson(json.stdout)).toEqual({
        error: {
          _tag: "EmptyMedia",
          message: `${empty} is empty (0 bytes); X does not accept empty media.`,
          source: empty
        }
      })
      expect(plain.code).toBe(1)
      expect(plain.stdout).toBe("")
      expect(plain.stderr).toBe(`Error: ${empty} is empty (0 bytes); X does not accept empty media.\n`)
      expect(x.requests()).toEqual([])
    }))

  it.live("an emulator fault becomes a typed failure after the retries (APPEND answering 400)", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ faults: [{ step: "APPEND", fault: { _tag: "HttpError", status: 400 } }] })
      const run = yield* runCli(["upload", samples.mp4, "--base-url", x.url, "--json"], oauth1Env(x))
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({
        _tag: "XApiError",
        step: "APPEND",
        status: 400,
        segmentIndex: 0
      })
    }))

  const usageCases: ReadonlyArray<readonly [string, ReadonlyArray<string>, Record<string, string>, RegExp]> = [
    ["--api v3", ["--api", "v3"], {}, /^Invalid --api "v3": must be v1 or v2$/],
    [
      "--concurrency abc",
      ["--concurrency", "abc"],
      {},
      /^Invalid --concurrency "abc": must be a whole number from 1 to 16$/
    ],
    ["--concurrency 0", ["--concurrency", "0"], {}, /^Invalid --concurrency "0": must be a whole number from 1 to 16$/],
    [
      "a non-numeric --chunk-size",
      ["--chunk-size", "big"],
      {},
      /^Invalid --chunk-size "big": must be a whole number of bytes from 1 to 5242880$/
    ],
    ["--max-wait 0", ["--max-wait", "0"], {}, /--max-wait/],
    [
      "an unknown --category",
      ["--category", "tweet_picture"],
      {},
      /^Invalid --category "tweet_picture": must be one of X's categories: tweet_image, .*subtitles$/
    ],
    ["a non-URL --base-url", ["--base-url", "not a url"], {}, /--base-url/],
    ["X_MEDIA_API=v3", [], { X_MEDIA_API: "v3" }, /^Invalid X_MEDIA_API "v3": must be v1 or v2$/],
    ["--timeout 0", ["--timeout", "0"], {}, /^Invalid --timeout "0": must be a number of seconds greater than 0$/],
    [
      "X_MEDIA_TIMEOUT=soon",
      [],
      { X_MEDIA_TIMEOUT: "soon" },
      /^Invalid X_MEDIA_TIMEOUT "soon": must be a number of seconds greater than 0$/
    ],
    [
      "--max-rate-limit-wait -1",
      ["--max-rate-limit-wait", "-1"],
      {},
      /^Invalid --max-rate-limit-wait "-1": must be a number of seconds, 0 or more \(0 never waits\)$/
    ],
    [
      "X_MEDIA_MAX_RATE_LIMIT_WAIT=later",
      [],
      { X_MEDIA_MAX_RATE_LIMIT_WAIT: "later" },
      /^Invalid X_MEDIA_MAX_RATE_LIMIT_WAIT "later": must be a number of seconds, 0 or more/
    ],
    ["an unknown flag", ["--colour"], {}, /^Unknown flag --colour\./],
    ["a non-URL X_MEDIA_BASE_URL", [], { X_MEDIA_BASE_URL: "ftp://example.com" }, /X_MEDIA_BASE_URL/]
  ]
  for (const [name, args, env, message] of usageCases) {
    it.live(`usage error (exit 2, before any request): ${name}`, () =>
      Effect.gen(function*() {
        const x = yield* emulator()
        const base = Object.keys(env).includes("X_MEDIA_BASE_URL") || args.includes("--base-url")
          ? []
          : ["--base-url", x.url]
        const run = yield* runCli(
          ["upload", samples.png, ...base, ...args, "--json"],
          { ...oauth1Env(x), ...env }
        )
        expect(run.code).toBe(2)
        const { error } = onlyJson(run.stdout)
        // One tag and one format for every usage error, whether the cli module or a check found it.
        expect(error).toMatchObject({ _tag: "UsageError", message: expect.stringMatching(message) })
        expect(run.stderr).toBe(
          `Error: ${String((error as { message: string }).message)}\nRun \`x-media upload --help\` for usage.\n`
        )
        expect(x.requests()).toEqual([])
      }))
  }

  it.live("flags win over the environment: X_MEDIA_BASE_URL wrong, --base-url right", () =>
    Effect.gen(function*() {
      const x = yield* emulator({ processing: { enabled: false } })
      const run = yield* runCli(
        ["upload", samples.gif, "--base-url", x.url, "--api", "v1", "--json"],
        { ...oauth1Env(x), X_MEDIA_BASE_URL: "http://127.0.0.1:9", X_MEDIA_API: "v2" }
      )
      expect(run.code).toBe(0)
      expect(onlyJson(run.stdout)).toMatchObject({ media_type: "image/gif", state: "succeeded" })
      expect(new Set(x.requests().map((r) => r.dialect))).toEqual(new Set(["v1"]))
    }))

  it.live("and the other way: --base-url pointing elsewhere is used even with X_MEDIA_BASE_URL right", () =>
    Effect.gen(function*() {
      const right = yield* emulator()
      const elsewhere = yield* emulator()
      const run = yield* runCli(
        ["upload", samples.png, "--base-url", elsewhere.url, "--json"],
        { ...oauth1Env(right), X_MEDIA_BASE_URL: right.url }
      )
      expect(run.code).toBe(1)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({ _tag: "AuthenticationFailed", step: "UPLOAD", status: 401 })
      expect(right.requests()).toEqual([])
      expect(elsewhere.requests().length).toBe(1)
    }))

  it.live("the environment alone is enough: X_MEDIA_BASE_URL and X_MEDIA_API", () =>
    Effect.gen(function*() {
      const x = yield* emulator()
      const run = yield* runCli(
        ["upload", samples.png, "--json"],
        { ...oauth1Env(x), X_MEDIA_BASE_URL: x.url, X_MEDIA_API: "v1" }
      )
      expect(run.code).toBe(0)
      expect(new Set(x.requests().map((r) => r.dialect))).toEqual(new Set(["v1"]))
    }))

  it.live("uploads a file in many segments with bounded concurrency", () =>
    Effect.gen(function*() {
      // APPENDs take a moment, so that three are in flight together when the bound holds.
      const x = yield* emulator({
        processing: { enabled: false },
        faults: [{ step: "APPEND", times: Infinity, fault: { _tag: "Delay", millis: 40 } }]
      })
      const dir = yield* tempDir
      const file = writeFile(dir, "clip.mp4", mp4Bytes(50_000))
      const run = yield* runCli(
        ["upload", file, "--base-url", x.url, "--chunk-size", "4096", "--concurrency", "3", "--json"],
        oauth1Env(x)
      )
      expect(run.code).toBe(0)
      const id = String(onlyJson(run.stdout)["media_id"])
      expect(x.media(id)).toMatchObject({ sha256: sha256(file), appendRequests: 13 })
      // The bound was reached, and never passed: a serial upload would show 1.
      expect(x.media(id)?.maxConcurrentAppends).toBe(3)
    }))

  it.live("traces nothing unless X_MEDIA_DEBUG is set, and never sends X trace headers", () =>
    Effect.gen(function*() {
      // A server that notes each request's headers and refuses it, as X refuses a bad upload.
      const seen: Array<IncomingHttpHeaders> = []
      const server = createServer((request, response) => {
        seen.push(request.headers)
        request.resume()
        response.writeHead(400, { "content-type": "application/json" })
        response.end(JSON.stringify({ errors: [{ code: 214, message: "Bad request." }] }))
      })
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const address = server.address()
      const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
      const args = ["upload", samples.png, "--base-url", url, "--json"]
      // The spans the command makes, as an application's tracer would get them.
      const spans: Array<string> = []
      const tracer = Tracer.make({
        span(options) {
          spans.push(options.name)
          return new Tracer.NativeSpan(options)
        }
      })
      const plain = yield* runCli(args, { X_OAUTH2_ACCESS_TOKEN: "token" }).pipe(Effect.withTracer(tracer))
      expect(plain.code).not.toBe(0)
      expect(spans).toEqual([])
      const debug = yield* runCli(args, { X_OAUTH2_ACCESS_TOKEN: "token", X_MEDIA_DEBUG: "1" }).pipe(
        Effect.withTracer(tracer)
      )
      expect(debug.code).toBe(plain.code)
      expect(spans).toContain("x-media/MediaClient.oneShot")
      expect(seen.length).toBeGreaterThan(1)
      expect(seen.map((headers) => [headers["traceparent"], headers["b3"]])).toEqual(
        seen.map(() => [undefined, undefined])
      )
    }))
})
