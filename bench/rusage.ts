/**
 * Preloaded (`node --import rusage.mjs`) into every measured process, the CLI included: when the process
 * exits it writes its peak RSS and CPU time to the file named by `BENCH_RUSAGE_OUT`, so every uploader is
 * measured the same way from its own inside, module loading included.
 *
 * @module
 */
import { writeFileSync } from "node:fs"
import type { Rusage } from "./job.ts"

const out = process.env["BENCH_RUSAGE_OUT"]
if (out !== undefined) {
  process.on("exit", () => {
    const usage = process.resourceUsage()
    const report: Rusage = { maxRssBytes: usage.maxRSS * 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }
    writeFileSync(out, JSON.stringify(report))
  })
}
