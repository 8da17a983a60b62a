/**
 * The real `x-media` CLI as processes, for the fleet's end-to-end tests: one-shot commands run to their
 * end, and a worker started and waited for until it has joined the fleet.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import type { RunningEmulator } from "./Harness.ts"

export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))
const bin = "packages/node/src/bin.ts"

/** What a worker and the commands need: the fleet's servers, the emulator and its first user's credentials. */
export const fleetEnv = (
  emulator: RunningEmulator,
  servers: { readonly redisUrl: string },
  databaseUrl: string
): Record<string, string> => {
  const c = emulator.credentials
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    X_MEDIA_DATABASE_URL: databaseUrl,
    X_MEDIA_REDIS_URL: servers.redisUrl,
    X_MEDIA_BASE_URL: emulator.url,
    X_API_KEY: c.consumerKey,
    X_API_SECRET: c.consumerSecret,
    X_ACCESS_TOKEN: c.accessToken,
    X_ACCESS_TOKEN_SECRET: c.accessTokenSecret
  }
}

/** Runs `x-media ARGS` to its end: exit code, stdout, stderr. */
export const cli = async (args: ReadonlyArray<string>, env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", bin, ...args], {
      cwd: repoRoot,
      env,
      encoding: "utf8"
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

/** Starts `x-media worker ARGS` and resolves once it says it joined the fleet (fails after 60 s). */
export const startWorker = async (args: ReadonlyArray<string>, env: Record<string, string>): Promise<ChildProcess> => {
  const worker = spawn(process.execPath, ["--import", "tsx", bin, "worker", ...args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  await new Promise<void>((resolve, reject) => {
    let output = ""
    const timer = setTimeout(() => reject(new Error(`worker did not join:\n${output}`)), 60_000)
    const onData = (text: string) => {
      output += text
      if (output.includes("joined the fleet")) {
        clearTimeout(timer)
        resolve()
      }
    }
    worker.stdout?.setEncoding("utf8").on("data", onData)
    worker.stderr?.setEncoding("utf8").on("data", onData)
  })
  return worker
}

/** Kills a worker still running (SIGKILL) and waits for its exit. */
export const killWorker = async (worker: ChildProcess | undefined): Promise<void> => {
  if (worker === undefined || worker.exitCode !== null) return
  const exited = new Promise((resolve) => worker.once("exit", resolve))
  worker.kill("SIGKILL")
  await exited
}
