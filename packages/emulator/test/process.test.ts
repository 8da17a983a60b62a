/**
 * The `x-media-emulator` command as a process (Node 22 with tsx's loader): what a supervisor sees when it
 * stops it.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

/**
 * Starts the command with `args` and resolves with its exit code and output; with `signal`, sends it
 * once the settings are printed.
 */
const runBin = (args: ReadonlyArray<string>, signal?: "SIGINT" | "SIGTERM") =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (signal !== undefined && stdout.includes("X_OAUTH2_ACCESS_TOKEN=")) child.kill(signal)
    })
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

describe.concurrent("x-media-emulator as a process", () => {
  it("SIGTERM stops it with exit code 143, SIGINT with 130", async () => {
    const [term, int] = await Promise.all([runBin(["--port", "0"], "SIGTERM"), runBin(["--port", "0"], "SIGINT")])
    for (const run of [term, int]) {
      expect(run.stdout).toMatch(/^X_MEDIA_BASE_URL=http:\/\/127\.0\.0\.1:\d+\n/)
      expect(run.stderr).not.toMatch(/Error|at /)
    }
    expect(term.code, term.stderr).toBe(143)
    expect(int.code, int.stderr).toBe(130)
  }, 90_000)

  it("an unknown flag or a value out of range exits 2 before it listens, as x-media does", async () => {
    const [unknown, outOfRange] = await Promise.all([runBin(["--bogus"]), runBin(["--port", "70000"])])
    expect(unknown.code, unknown.stderr).toBe(2)
    expect(unknown.stderr).toContain("Unrecognized flag: --bogus")
    expect(outOfRange.code, outOfRange.stderr).toBe(2)
    expect(outOfRange.stderr).toContain("Invalid value for flag --port")
    for (const r of [unknown, outOfRange]) expect(r.stdout).not.toMatch(/^X_MEDIA_BASE_URL=/m)
  }, 90_000)

  it("a port in use: one line that says what to do, exit 1, no stack trace", async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const address = taken.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    try {
      const run = await runBin(["--port", String(port)])
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toMatch(
        new RegExp(
          `^x-media-emulator: could not listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*\\. Choose another --port or --host\\.\\n$`
        )
      )
      expect(run.stdout).toBe("")
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  }, 90_000)
})
