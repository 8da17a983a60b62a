/**
 * The fleet under test: the emulator (in this process), worker processes (support/worker.ts under
 * tsx, so `kill -9` is real) and a client runtime that submits uploads and reads the fleet's state.
 */
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "@x-media/emulator"
import { Layer, ManagedRuntime } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Fleet from "../../src/Fleet.ts"
import type { ServersInfo } from "./Servers.ts"

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))
const workerScript = fileURLToPath(new URL("./worker.ts", import.meta.url))

/** A running worker process and what it printed. */
export interface WorkerProcess {
  readonly child: ChildProcess
  readonly output: () => string
}

/** Starts a worker process and waits until it has joined the fleet. */
export const startWorker = (
  servers: ServersInfo,
  emulator: RunningEmulator,
  options: {
    readonly windowMillis: number
    readonly concurrency?: number | undefined
    /** The emulator users (indices) whose credentials the worker gets (default: all). */
    readonly users?: ReadonlyArray<number> | undefined
  }
): Promise<WorkerProcess> =>
  new Promise((resolve, reject) => {
    const served = options.users === undefined ? emulator.users : options.users.map((i) => emulator.users[i]!)
    const credentials = served.map((user) => ({
      consumerKey: user.credentials.consumerKey,
      consumerSecret: user.credentials.consumerSecret,
      accessToken: user.credentials.accessToken,
      accessTokenSecret: user.credentials.accessTokenSecret
    }))
    const child = spawn(process.execPath, ["--import", "tsx", workerScript], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        X_MEDIA_DATABASE_URL: servers.databaseUrl,
        X_MEDIA_REDIS_URL: servers.redisUrl,
        X_MEDIA_BASE_URL: emulator.url,
        FLEET_TEST_CREDENTIALS: JSON.stringify(credentials),
        FLEET_TEST_WINDOW_MILLIS: String(options.windowMillis),
        FLEET_TEST_CONCURRENCY: String(options.concurrency ?? 8)
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000)
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      output += text
      if (output.includes("ready")) {
        clearTimeout(timer)
        resolve({ child, output: () => output })
      }
    })
    child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text))
    child.on("exit", (code) => {
      clearTimeout(timer)
      if (!output.includes("ready")) reject(new Error(`worker exited with ${code}:\n${output}`))
    })
  })

/** Stops a worker: SIGTERM (it hands its uploads over), or SIGKILL. Resolves once it exited. */
export const stopWorker = (worker: WorkerProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> =>
  new Promise((resolve) => {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve()
    worker.child.once("exit", () => resolve())
    worker.child.kill(signal)
  })

/** A client of the fleet (submits uploads, reads the uploads table), with Node's file system. */
export const clientRuntime = (servers: ServersInfo) =>
  ManagedRuntime.make(
    Fleet.layerClient({ databaseUrl: servers.databaseUrl }).pipe(
      Layer.merge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
    )
  )

/** The folders {@link makeFiles} made, until {@link removeMadeFiles}. */
const madeDirs: Array<string> = []

/**
 * Files of random bytes that the emulator takes as PNG images (a PNG signature first), in a temporary
 * folder of their own; {@link removeMadeFiles} removes them.
 */
export const makeFiles = (sizes: ReadonlyArray<number>): ReadonlyArray<string> => {
  const dir = mkdtempSync(join(tmpdir(), "x-media-fleet-files-"))
  madeDirs.push(dir)
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
  return sizes.map((size, index) => {
    const path = join(dir, `file-${index}.png`)
    writeFileSync(path, Buffer.concat([signature, randomBytes(size - signature.length)]))
    return path
  })
}

/** Removes every folder {@link makeFiles} made (each run of the tests left ~1 MB in the temporary folder). */
export const removeMadeFiles = (): void => {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

export { type EmulatorOptions, type RunningEmulator, startEmulator }
