/**
 * Running one child process per upload, bounded by a timeout, and the statistics over several runs.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process"
import { footprintMarker, type FootprintReport } from "./footprint.ts"
import { type ChildReport, goMessage, isChildReport, type Job, readyMessage, resultMarker } from "./job.ts"

const active = new Set<ChildProcess>()

/** Kills (SIGKILL) every child still running: for the orchestrator's shutdown on a signal or an error. */
export const killChildren = (): void => {
  for (const child of active) child.kill("SIGKILL")
}

/** How a child run ended. */
export type ChildRun =
  | { readonly _tag: "Reported"; readonly report: ChildReport; readonly elapsedMs: number }
  | { readonly _tag: "Failed"; readonly reason: string; readonly elapsedMs: number }

/**
 * Runs `job` in a new Node process (the same Node binary as this one, with `--expose-gc`) executing the
 * compiled child `script` (see build.ts), and returns its report. The child is killed (SIGKILL) when it has
 * not reported within `timeoutMs`. When the child says its warm-up is done, `onWarmedUp` runs (to reset the
 * servers) before the child is told to go on.
 */
export const runChild = (
  script: string,
  job: Job,
  timeoutMs: number,
  onWarmedUp: () => void = () => {}
): Promise<ChildRun> =>
  new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--expose-gc", script, JSON.stringify(job)], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, NODE_OPTIONS: "" }
    })
    active.add(child)
    child.on("message", (message) => {
      if (message !== readyMessage) return
      onWarmedUp()
      child.send(goMessage)
    })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    let spawnError = ""
    child.on("error", (error) => {
      spawnError = error.message
    })
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      stdout += text
    })
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-4000)
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, timeoutMs)
    child.on("close", (code, signal) => {
      active.delete(child)
      clearTimeout(timer)
      const elapsedMs = performance.now() - started
      if (timedOut) return resolve({ _tag: "Failed", reason: `timed out after ${(timeoutMs / 1000).toFixed(1)} s`, elapsedMs })
      const line = stdout.split("\n").find((l) => l.startsWith(resultMarker))
      if (line !== undefined) {
        const parsed: unknown = JSON.parse(line.slice(resultMarker.length))
        if (isChildReport(parsed)) return resolve({ _tag: "Reported", report: parsed, elapsedMs })
      }
      resolve({
        _tag: "Failed",
        reason: `exited with ${signal ?? code} without a report: ${spawnError || stderr.trim().split("\n").slice(-3).join(" | ")}`,
        elapsedMs
      })
    })
  })

/** The median of the numbers (the mean of the two middle ones for an even count); NaN when empty. */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Smallest and largest of the numbers. */
export const range = (values: ReadonlyArray<number>): readonly [number, number] =>
  values.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...values), Math.max(...values)]

/** Runs the compiled footprint probe for one module set in a fresh process; undefined when it fails. */
export const runFootprint = (script: string, set: string, timeoutMs = 30_000): Promise<FootprintReport | undefined> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", script, set], { stdio: ["ignore", "pipe", "ignore"] })
    active.add(child)
    let stdout = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", () => {})
    child.on("close", () => {
      active.delete(child)
      clearTimeout(timer)
      const line = stdout.split("\n").find((l) => l.startsWith(footprintMarker))
      if (line === undefined) return resolve(undefined)
      const parsed: unknown = JSON.parse(line.slice(footprintMarker.length))
      resolve(
        typeof parsed === "object" && parsed !== null && "set" in parsed && "rssBytes" in parsed &&
          typeof parsed.set === "string" && typeof parsed.rssBytes === "number" &&
          "heapUsedBytes" in parsed && typeof parsed.heapUsedBytes === "number"
          ? { set: parsed.set, rssBytes: parsed.rssBytes, heapUsedBytes: parsed.heapUsedBytes }
          : undefined
      )
    })
  })
