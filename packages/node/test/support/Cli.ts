/**
 * What the CLI tests share: emulators started in the test (on 127.0.0.1 only), sample media,
 * temporary files, and parsing the one JSON object of `--json`. Also the real `x-media` as a child
 * process (Node 22 with tsx's loader), for the few tests that need a process: exit codes, signals
 * and the split of stdout and stderr (test/Process.test.ts); everything else runs in process
 * (support/InProcess.ts).
 */
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "@x-media/emulator"
import { Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root (the CLI runs there, as in the README). */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))

/** The CLI's entry point. */
export const binPath = join(repoRoot, "packages/node/src/bin.ts")

/** The committed sample media. */
export const samples = {
  png: join(repoRoot, "examples/media/sample.png"),
  gif: join(repoRoot, "examples/media/sample.gif"),
  mp4: join(repoRoot, "examples/media/sample.mp4")
} as const

/** The environment of the test process without any X_* variable, so every run says what it uses. */
export const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("X_") && key !== "NODE_OPTIONS") env[key] = value
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

/** How a CLI run ended. */
export interface CliRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts the CLI with `args` and exactly `env` (use {@link cleanEnv}); stdin is closed unless `stdin` is given. */
export const spawnCli = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  stdin?: Uint8Array
): ChildProcess => {
  const child = spawn(process.execPath, ["--import", "tsx", binPath, ...args], {
    cwd: repoRoot,
    env,
    stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"]
  })
  if (stdin !== undefined) child.stdin?.end(stdin)
  return child
}

/** Collects a started CLI's output until it exits. Kills it when the effect is interrupted. */
export const collect = (child: ChildProcess): Effect.Effect<CliRun> =>
  Effect.callback<CliRun>((resume) => {
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    child.on("close", (code, signal) => resume(Effect.succeed({ code, signal, stdout, stderr })))
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

/** Runs the CLI as a child process to the end. */
export const runProcess = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = cleanEnv(),
  stdin?: Uint8Array
): Effect.Effect<CliRun> => Effect.suspend(() => collect(spawnCli(args, env, stdin)))

/** An emulator for the current scope. */
export const emulator = (options?: EmulatorOptions): Effect.Effect<RunningEmulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startEmulator(options)),
    (running) => Effect.promise(() => running.close())
  )

/** The emulator's OAuth 1.0a credentials as the CLI reads them from the environment. */
export const oauth1Env = (running: RunningEmulator): Record<string, string> => ({
  X_API_KEY: running.credentials.consumerKey,
  X_API_SECRET: running.credentials.consumerSecret,
  X_ACCESS_TOKEN: running.credentials.accessToken,
  X_ACCESS_TOKEN_SECRET: running.credentials.accessTokenSecret
})

/** The emulator's OAuth 2.0 token as the CLI reads it from the environment. */
export const oauth2Env = (running: RunningEmulator): Record<string, string> => ({
  X_OAUTH2_ACCESS_TOKEN: running.credentials.oauth2Token
})

/** A temporary directory for the current scope. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "x-media-node-test-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Writes `bytes` to `name` in `dir` and returns the path. */
export const writeFile = (dir: string, name: string, bytes: Uint8Array): string => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** An MP4-looking file (a real `ftyp` box, then deterministic filler) of exactly `size` bytes. */
export const mp4Bytes = (size: number): Uint8Array => {
  const out = new Uint8Array(size)
  const head = [0, 0, 0, 0x18, ...Buffer.from("ftypisom"), 0, 0, 2, 0, ...Buffer.from("isommp41")]
  out.set(head.slice(0, size))
  let x = 12345
  for (let i = head.length; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** Parses the single JSON object the CLI printed on stdout (and checks that it is the only thing there). */
export const onlyJson = (stdout: string): Record<string, unknown> => {
  const lines = stdout.split("\n").filter((line) => line.trim() !== "")
  if (lines.length !== 1) throw new Error(`expected exactly one line on stdout, got ${lines.length}: ${stdout}`)
  const parsed: unknown = JSON.parse(lines[0] ?? "")
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`not a JSON object: ${stdout}`)
  }
  return Object.fromEntries(Object.entries(parsed))
}

/** The saved session's acknowledged segments, or -1 while there is no readable session yet. */
export const segmentsSaved = (path: string): number => {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"))
    return typeof parsed === "object" && parsed !== null && "segmentsDone" in parsed &&
        Array.isArray(parsed.segmentsDone)
      ? parsed.segmentsDone.length
      : -1
  } catch {
    return -1
  }
}
