/**
 * Which cases a run measures. Every size gets the head-to-head comparison at 4 MiB chunks; 64 MiB gets the
 * full grid of our library and the raw baseline (concurrency 1, 2, 4, 8 × chunks 1, 4, 5 MiB); 256 MiB a
 * subset (every concurrency at 4 MiB, and 1 and 5 MiB at concurrency 4); the same 64 MiB grid of our library
 * runs again against an emulator that answers every APPEND only after a delay (latency, where concurrency
 * matters); the null sink takes the raw baseline and our library at 64 and 256 MiB; polling is measured on
 * the smallest file.
 *
 * @module
 */
import { MiB } from "./files.ts"
import type { UploaderKind } from "./job.ts"
import type { CaseSpec, Section, ServerKind } from "./results.ts"

/** The library's current defaults (packages/core Upload.defaultConcurrency, SegmentPlan's 4 MiB). */
export const currentDefaults = { chunkSize: 4 * MiB, concurrency: 4 } as const

/** Concurrencies and chunk sizes of the grid. */
export const gridConcurrencies: ReadonlyArray<number> = [1, 2, 4, 8]
export const gridChunkSizes: ReadonlyArray<number> = [1 * MiB, 4 * MiB, 5 * MiB]

/** The file size that gets the full grid. */
export const fullGridSizeMiB = 64

/** The id of a case: everything that defines it. */
export const caseId = (c: Omit<CaseSpec, "id" | "section">): string =>
  `${c.uploader}@${c.server}/${c.sizeMiB}MiB/${c.chunkSize / MiB}MiB/c${c.concurrency}`

/** Builds the list of cases for the given sizes and sections, without duplicates (first section wins). */
export const planCases = (sizesMiB: ReadonlyArray<number>, sections: ReadonlySet<Section>): ReadonlyArray<CaseSpec> => {
  const cases = new Map<string, CaseSpec>()
  const add = (
    section: Section,
    uploader: UploaderKind,
    server: ServerKind,
    sizeMiB: number,
    chunkSize: number,
    concurrency: number
  ) => {
    if (!sections.has(section)) return
    const spec = { uploader, server, sizeMiB, chunkSize, concurrency }
    const id = caseId(spec)
    if (!cases.has(id)) cases.set(id, { id, section, ...spec })
  }
  const four = 4 * MiB
  for (const size of sizesMiB) {
    add("compare", "raw", "emulator", size, four, 1)
    add("compare", "raw", "emulator", size, four, 4)
    add("compare", "xmedia", "emulator", size, four, 1)
    add("compare", "xmedia", "emulator", size, four, 4)
    add("compare", "tapi-v1", "emulator", size, four, 4)
    add("compare", "tapi-v2", "emulator", size, four, 1)
  }
  if (sizesMiB.includes(fullGridSizeMiB)) {
    // twitter-api-v2 with its own defaults: 1 MiB chunks, v1 three APPENDs at once, v2 one.
    add("compare", "tapi-v1", "emulator", fullGridSizeMiB, 1 * MiB, 3)
    add("compare", "tapi-v2", "emulator", fullGridSizeMiB, 1 * MiB, 1)
    for (const chunk of gridChunkSizes) {
      for (const concurrency of gridConcurrencies) {
        add("grid", "xmedia", "emulator", fullGridSizeMiB, chunk, concurrency)
        add("grid", "raw", "emulator", fullGridSizeMiB, chunk, concurrency)
      }
    }
  }
  if (sizesMiB.includes(256)) {
    for (const concurrency of gridConcurrencies) {
      add("grid", "xmedia", "emulator", 256, four, concurrency)
      add("grid", "raw", "emulator", 256, four, concurrency)
    }
    for (const chunk of [1 * MiB, 5 * MiB]) {
      add("grid", "xmedia", "emulator", 256, chunk, 4)
      add("grid", "raw", "emulator", 256, chunk, 4)
    }
  }
  if (sizesMiB.includes(fullGridSizeMiB)) {
    for (const chunk of gridChunkSizes) {
      for (const concurrency of gridConcurrencies) add("latency", "xmedia", "emulator-latency", fullGridSizeMiB, chunk, concurrency)
    }
    add("latency", "raw", "emulator-latency", fullGridSizeMiB, four, 1)
    add("latency", "raw", "emulator-latency", fullGridSizeMiB, four, 4)
  }
  for (const size of sizesMiB.filter((s) => s === 64 || s === 256)) {
    for (const concurrency of [1, 4]) {
      add("sink", "raw", "sink", size, four, concurrency)
      add("sink", "xmedia", "sink", size, four, concurrency)
    }
  }
  const smallest = Math.min(...sizesMiB)
  add("polling", "xmedia", "emulator-processing", smallest, four, 4)
  add("polling", "raw", "emulator-processing", smallest, four, 4)
  add("polling", "tapi-v1", "emulator-processing", smallest, four, 4)
  add("polling", "tapi-v2", "emulator-processing", smallest, four, 1)
  return [...cases.values()]
}

/** The time one run of a case may take before its child is killed. */
export const timeoutFor = (spec: CaseSpec): number =>
  30_000 + spec.sizeMiB * 400 + (spec.server === "emulator-processing" ? 60_000 : 0) +
  (spec.server === "emulator-latency" ? Math.ceil((spec.sizeMiB * MiB) / spec.chunkSize) * 2_000 : 0)
