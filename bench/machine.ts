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
  /** Files under packages/ and bench/ that differ from that commit when the run started (results files aside). */
  readonly gitDirty: ReadonlyArray<string>
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
    gitDirty: [
      ...git(["diff", "--name-only", "HEAD", "--", "packages", "bench"]).split("\n"),
      ...git(["ls-files", "--others", "--exclude-standard", "--", "packages", "bench"]).split("\n")
    ].filter((path) => path !== "" && !/^bench\/(RESULTS|results)/.test(path))
  }
}

/**
 * CPU time (ms) the whole machine has spent busy since boot, from /proc/stat (user, nice, system, irq,
 * softirq and steal, at USER_HZ 100); undefined where there is no /proc/stat. The difference over a run,
 * minus what the orchestrator and the child used, is the CPU other processes took meanwhile.
 */
export const systemBusyMs = (): number | undefined => {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? ""
    const fields = line.trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
    return (user + nice + system + irq + softirq + steal) * 10
  } catch {
    return undefined
  }
}

/**
 * Waits until other processes leave the machine nearly idle: samples /proc/stat over `windowMs` and returns
 * once the CPU used by anything but this process stays under `maxShare` of one core, or after `maxWaitMs`
 * (returns how long it waited, and whether it found quiet). Without /proc/stat it returns at once.
 */
export const waitForQuiet = async (
  options: { readonly windowMs: number; readonly maxShare: number; readonly maxWaitMs: number }
): Promise<{ readonly waitedMs: number; readonly quiet: boolean }> => {
  const started = Date.now()
  for (;;) {
    const before = systemBusyMs()
    const ownBefore = process.cpuUsage()
    await new Promise((resolve) => setTimeout(resolve, options.windowMs))
    const after = systemBusyMs()
    if (before === undefined || after === undefined) return { waitedMs: Date.now() - started, quiet: true }
    const own = process.cpuUsage(ownBefore)
    const foreign = after - before - (own.user + own.system) / 1000
    if (foreign <= options.maxShare * options.windowMs) return { waitedMs: Date.now() - started, quiet: true }
    if (Date.now() - started >= options.maxWaitMs) return { waitedMs: Date.now() - started, quiet: false }
  }
}
