/**
 * The facts of the machine a run was made on, recorded with every result.
 *
 * @module
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Os from "node:os"

/** CPU, memory, Node, OS and the code that was measured. */
export interface MachineFacts {
  readonly cpuModel: string
  readonly logicalCores: number
  /** `os.availableParallelism()`: what this process may use. */
  readonly availableParallelism: number
  readonly totalMemoryBytes: number
  readonly freeMemoryBytesAtStart: number
  readonly loadAverageAtStart: readonly [number, number, number]
  readonly nodeVersion: string
  readonly v8Version: string
  readonly os: string
  readonly kernel: string
  readonly arch: string
  readonly gitCommit: string
  readonly gitDirty: boolean
}

const osName = (): string => {
  try {
    const release = readFileSync("/etc/os-release", "utf8")
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)
    if (pretty?.[1] !== undefined) return pretty[1]
  } catch {
    // not Linux, or no os-release
  }
  return `${Os.type()} ${Os.release()}`
}

const git = (args: ReadonlyArray<string>): string => {
  try {
    return execFileSync("git", [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return ""
  }
}

/** Reads the facts now. */
export const machineFacts = (): MachineFacts => {
  const cpus = Os.cpus()
  const [l1, l5, l15] = Os.loadavg()
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    logicalCores: cpus.length,
    availableParallelism: Os.availableParallelism(),
    totalMemoryBytes: Os.totalmem(),
    freeMemoryBytesAtStart: Os.freemem(),
    loadAverageAtStart: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
    nodeVersion: process.version,
    v8Version: process.versions.v8,
    os: osName(),
    kernel: `${Os.type()} ${Os.release()}`,
    arch: process.arch,
    gitCommit: git(["rev-parse", "--short", "HEAD"]) || "unknown",
    gitDirty: git(["status", "--porcelain", "--", "packages", "bench"]) !== ""
  }
}
