import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { onlyJson } from "./support/Cli.ts"
import { runCli } from "./support/InProcess.ts"

describe.concurrent("x-media: help, version and no command", () => {
  it.effect("--help and --version print on stdout and exit 0", () =>
    Effect.gen(function*() {
      const help = yield* runCli(["upload", "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("--timeout")
      expect(help.stdout).toContain("--concurrency")
      expect(help.stderr).toBe("")
      const version = yield* runCli(["--version"])
      expect(version.code).toBe(0)
      expect(version.stdout).toContain("0.1.0")
    }))

  it.effect("no command: the help on stderr (stdout stays for results) and exit 2; with --json one error object", () =>
    Effect.gen(function*() {
      const bare = yield* runCli([])
      expect(bare.code).toBe(2)
      expect(bare.stdout).toBe("")
      expect(bare.stderr).toContain("upload")
      const json = yield* runCli(["--json"])
      expect(json.code).toBe(2)
      expect(onlyJson(json.stdout)["error"]).toMatchObject({ _tag: "UsageError" })
    }))

  it.effect("an unknown command is a UsageError naming the commands there are", () =>
    Effect.gen(function*() {
      const run = yield* runCli(["uplaod", "a.png", "--json"])
      expect(run.code).toBe(2)
      expect(onlyJson(run.stdout)["error"]).toMatchObject({
        _tag: "UsageError",
        message: expect.stringContaining("x-media upload")
      })
    }))
})
