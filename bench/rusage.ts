/**
 * Preloaded (`node --import rusage.mjs`) into every measured process, the CLI included: when the process
 * exits it writes its peak RSS and CPU time to the file named by `BENCH_RUSAGE_OUT`, so every uploader is
 * measured the same way from its own inside, module loading included.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs"
import type { Rusage } from "./job.ts"

/**
 * The process's own peak RSS. Not `resourceUsage().maxRSS`: Linux keeps in it the RSS the process had
 * before exec, which for a child is the parent's (the orchestrator, with the emulator in it: 102 MB
 * reported for a 69 MB raw upload once the orchestrator had grown). `VmHWM` is the peak of the program
 * itself; elsewhere maxRSS is all there is.
 */
const peakRssBytes = (): number => {
  try {
    const kiB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]
    if (kiB !== undefined) return Number(kiB) * 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024
}

const out = process.env["BENCH_RUSAGE_OUT"]
if (out !== undefined) {
  process.on("exit", () => {
    const usage = process.resourceUsage()
    const report: Rusage = { maxRssBytes: peakRssBytes(), cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }
    writeFileSync(out, JSON.stringify(report))
  })
}
