/**
 * Renders bench/RESULTS.md from the results: machine, targets with verdicts, the head-to-head per size, the
 * chunk × concurrency grid, the null-sink comparison, polling, profiles, and how it was all measured.
 *
 * @module
 */
import { MiB } from "./files.ts"
import type { UploaderKind } from "./job.ts"
import { find } from "./analyse.ts"
import { currentDefaults, fullGridSizeMiB, gridChunkSizes, gridConcurrencies } from "./plan.ts"
import type { ProfileSummary } from "./profile.ts"
import type { BenchResults, CaseResult, CaseSummary } from "./results.ts"

const names: Readonly<Record<UploaderKind, string>> = {
  raw: "raw node:http (baseline)",
  xmedia: "@x-media/core Upload.upload",
  "tapi-v1": "twitter-api-v2 v1.uploadMedia",
  "tapi-v2": "twitter-api-v2 v2.uploadMedia"
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0)
const f0 = (n: number) => Number.isFinite(n) ? n.toFixed(0) : "–"
const f1 = (n: number) => Number.isFinite(n) ? n.toFixed(1) : "–"
const f2 = (n: number) => Number.isFinite(n) ? n.toFixed(2) : "–"
const cfg = (chunkSize: number, concurrency: number) => `${chunkSize / MiB} MiB × ${concurrency}`
const verdictMark = (v: string) => (v === "met" ? "✅ met" : v === "missed" ? "❌ missed" : "⚪ not measured")

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ].join("\n")

const requests = (s: CaseSummary) => `${f0(s.requests.INIT)}/${f0(s.requests.APPEND)}/${f0(s.requests.FINALIZE)}/${f0(s.requests.STATUS)}`

const caseRow = (c: CaseResult): ReadonlyArray<string> => {
  const s = c.summary
  const label = `${names[c.spec.uploader]}`
  if (s === undefined) return [label, cfg(c.spec.chunkSize, c.spec.concurrency), `failed: ${c.failures[0] ?? "?"}`, "", "", "", "", "", "", ""]
  return [
    label,
    cfg(c.spec.chunkSize, c.spec.concurrency),
    f2(s.wallMs / 1000),
    `**${f0(s.mibPerSec)}** (${f0(s.mibPerSecRange[0])}–${f0(s.mibPerSecRange[1])})${c.runs.some((run) => run.contended) ? " †" : ""}`,
    `**${mb(s.maxRssBytes)}** (${mb(s.rssBeforeBytes)})`,
    `${f0(s.cpuMs)} (${f1(s.cpuMsPerMiB)})`,
    requests(s),
    `${f0(s.serverCpuMs)} (${f0((100 * s.serverCpuMs) / s.wallMs)} %)`,
    s.maxConcurrentAppends === undefined ? "–" : f0(s.maxConcurrentAppends),
    f0(s.warmupMs)
  ]
}

const machineSection = (r: BenchResults): string => {
  const m = r.machine
  return [
    "## Machine",
    "",
    table(["fact", "value"], [
      ["CPU", `${m.cpuModel}, ${m.logicalCores} logical cores (${m.availableParallelism} available)`],
      ["memory", `${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB (${(m.freeMemoryBytesAtStart / 2 ** 30).toFixed(1)} GiB free at start)`],
      ["load average at start", m.loadAverageAtStart.map((l) => l.toFixed(2)).join(" / ")],
      ["Node", `${m.nodeVersion} (V8 ${m.v8Version})`],
      ["OS", `${m.os}; ${m.kernel} ${m.arch}`],
      ["code", `git ${m.gitCommit}${m.gitDirty.length === 0 ? ", no uncommitted changes under packages/ or bench/" : `, with uncommitted changes to ${m.gitDirty.join(", ")}`}`]
    ])
  ].join("\n")
}

const targetsSection = (r: BenchResults): string => {
  const lines = ["## Targets", ""]
  lines.push(table(["#", "target", "verdict"], r.targets.map((t) => [String(t.id), t.title, verdictMark(t.verdict)])))
  for (const t of r.targets) {
    lines.push("", `**${t.id}. ${t.title}: ${verdictMark(t.verdict)}**`, "")
    for (const e of t.evidence) lines.push(`- ${e}`)
    for (const w of t.why) lines.push(`- why: ${w}`)
  }
  return lines.join("\n")
}

const compareHeader = [
  "uploader",
  "chunk × concurrency",
  "wall s",
  "MiB/s (min–max)",
  "peak RSS MB (before upload)",
  "CPU ms (ms/MiB)",
  "INIT/APPEND/FINALIZE/STATUS",
  "emulator CPU ms (% of wall)",
  "max APPENDs in flight",
  "first upload in the process (256 KiB), ms"
]

const uploaderOrder: ReadonlyArray<UploaderKind> = ["raw", "xmedia", "tapi-v1", "tapi-v2"]

const byUploader = (a: CaseResult, b: CaseResult) =>
  uploaderOrder.indexOf(a.spec.uploader) - uploaderOrder.indexOf(b.spec.uploader) ||
  a.spec.chunkSize - b.spec.chunkSize || a.spec.concurrency - b.spec.concurrency

const compareSection = (r: BenchResults): string => {
  const lines = [
    "## Head to head on the emulator",
    "",
    "Medians of the runs; MiB/s is the file size over the upload's wall time inside the uploading process. Peak RSS is " +
    "`process.resourceUsage().maxRSS` of the uploading process (module loading included); in brackets its RSS just before " +
    "the upload started. CPU is user + system of the uploading process during the upload. Requests are what the emulator recorded. " +
    "Each process first uploads a 256 KiB file (its cold first upload: lazy module loading, first connections; last column), then the " +
    "measured file: the throughput columns are that second, warm upload."
  ]
  const sizes = [...new Set(r.cases.filter((c) => c.spec.section === "compare").map((c) => c.spec.sizeMiB))].sort((a, b) => a - b)
  for (const size of sizes) {
    const rows = r.cases
      .filter((c) => c.spec.server === "emulator" && c.spec.sizeMiB === size && (c.spec.section === "compare" ||
        (c.spec.chunkSize === currentDefaults.chunkSize && (c.spec.concurrency === 1 || c.spec.concurrency === 4))))
      .sort(byUploader)
    lines.push("", `### ${size} MiB`, "", table(compareHeader, rows.map(caseRow)))
  }
  return lines.join("\n")
}

const gridSection = (r: BenchResults): string => {
  const lines = ["## Chunk size × concurrency", ""]
  const cell = (size: number, chunk: number, c: number, value: (ours: CaseSummary, raw: CaseSummary | undefined) => string) => {
    const ours = find(r.cases, "xmedia", "emulator", size, chunk, c)
    return ours === undefined ? "–" : value(ours, find(r.cases, "raw", "emulator", size, chunk, c))
  }
  const throughput = (ours: CaseSummary, raw: CaseSummary | undefined) =>
    `${f0(ours.mibPerSec)}${raw === undefined ? "" : ` (raw ${f0(raw.mibPerSec)}, ${f0((100 * ours.mibPerSec) / raw.mibPerSec)} %)`}`
  if (find(r.cases, "xmedia", "emulator", fullGridSizeMiB, currentDefaults.chunkSize, 1) !== undefined) {
    lines.push(
      `Full grid on ${fullGridSizeMiB} MiB; 256 MiB gets a subset (every concurrency at 4 MiB, and 1 and 5 MiB at concurrency 4); ` +
        "8 MiB (and 512 MiB) only the head-to-head configurations. Ours in MiB/s, with the raw baseline at the same setting and our share of it.",
      "",
      `### ${fullGridSizeMiB} MiB: throughput, MiB/s`,
      "",
      table(
        ["chunk \\ concurrency", ...gridConcurrencies.map(String)],
        gridChunkSizes.map((chunk) => [`${chunk / MiB} MiB`, ...gridConcurrencies.map((c) => cell(fullGridSizeMiB, chunk, c, throughput))])
      ),
      "",
      `### ${fullGridSizeMiB} MiB: peak RSS of ours, MB (raw baseline)`,
      "",
      table(
        ["chunk \\ concurrency", ...gridConcurrencies.map(String)],
        gridChunkSizes.map((chunk) => [
          `${chunk / MiB} MiB`,
          ...gridConcurrencies.map((c) => cell(fullGridSizeMiB, chunk, c, (o, raw) => `${mb(o.maxRssBytes)}${raw === undefined ? "" : ` (${mb(raw.maxRssBytes)})`}`))
        ])
      ),
      "",
      `### ${fullGridSizeMiB} MiB: CPU of ours, ms per MiB (raw baseline)`,
      "",
      table(
        ["chunk \\ concurrency", ...gridConcurrencies.map(String)],
        gridChunkSizes.map((chunk) => [
          `${chunk / MiB} MiB`,
          ...gridConcurrencies.map((c) => cell(fullGridSizeMiB, chunk, c, (o, raw) => `${f1(o.cpuMsPerMiB)}${raw === undefined ? "" : ` (${f1(raw.cpuMsPerMiB)})`}`))
        ])
      )
    )
  }
  const subset = r.cases.filter((c) => c.spec.uploader === "xmedia" && c.spec.server === "emulator" && c.spec.sizeMiB === 256).sort(byUploader)
  if (subset.length > 0) {
    lines.push(
      "",
      "### 256 MiB subset",
      "",
      table(
        ["chunk × concurrency", "ours MiB/s", "raw MiB/s", "ours / raw", "ours peak RSS MB", "ours CPU ms/MiB"],
        subset.map((c) => {
          const raw = find(r.cases, "raw", "emulator", 256, c.spec.chunkSize, c.spec.concurrency)
          const s = c.summary
          return s === undefined ? [cfg(c.spec.chunkSize, c.spec.concurrency), "failed", "", "", "", ""] : [
            cfg(c.spec.chunkSize, c.spec.concurrency),
            f0(s.mibPerSec),
            raw === undefined ? "–" : f0(raw.mibPerSec),
            raw === undefined ? "–" : `${f0((100 * s.mibPerSec) / raw.mibPerSec)} %`,
            mb(s.maxRssBytes),
            f1(s.cpuMsPerMiB)
          ]
        })
      )
    )
  }
  const latency = (chunk: number, c: number) => {
    const ours = find(r.cases, "xmedia", "emulator-latency", fullGridSizeMiB, chunk, c)
    return ours === undefined ? "–" : `${f0(ours.mibPerSec)} (${f0(ours.mibPerSecRange[0])}–${f0(ours.mibPerSecRange[1])})`
  }
  if (find(r.cases, "xmedia", "emulator-latency", fullGridSizeMiB, currentDefaults.chunkSize, currentDefaults.concurrency) !== undefined) {
    const rawLatency = [1, 4].flatMap((c) => {
      const raw = find(r.cases, "raw", "emulator-latency", fullGridSizeMiB, currentDefaults.chunkSize, c)
      return raw === undefined ? [] : [`raw baseline at 4 MiB × ${c}: ${f0(raw.mibPerSec)} MiB/s`]
    })
    lines.push(
      "",
      `### ${fullGridSizeMiB} MiB with every APPEND answered after ${r.options.latencyMs} ms: throughput of ours, MiB/s (min–max)`,
      "",
      "Loopback has no round trip, so there concurrency only overlaps CPU work. Real uploads wait for each APPEND's answer; " +
        "this grid adds that wait, which is what concurrency is for. " + rawLatency.join("; ") + ".",
      "",
      table(
        ["chunk \\ concurrency", ...gridConcurrencies.map(String)],
        gridChunkSizes.map((chunk) => [`${chunk / MiB} MiB`, ...gridConcurrencies.map((c) => latency(chunk, c))])
      )
    )
  }
  if (r.defaults !== undefined) lines.push("", "### The defaults", "", r.defaults.verdict)
  return lines.join("\n")
}

const sinkSection = (r: BenchResults): string => {
  const sink = r.cases.filter((c) => c.spec.server === "sink").sort((a, b) => a.spec.sizeMiB - b.spec.sizeMiB || byUploader(a, b))
  if (sink.length === 0) return ""
  return [
    "## Is the emulator the bottleneck? Null sink vs emulator",
    "",
    "The same uploads against a null v2 server (node:http, drains APPEND bodies without parsing them). Server CPU is the " +
    "CPU of the orchestrator process, which hosts the emulator and the sink; near 100 % of the wall time means the server " +
    "saturated one core.",
    "",
    table(
      ["size", "uploader", "chunk × concurrency", "emulator MiB/s", "emulator CPU % of wall", "sink MiB/s", "sink CPU % of wall", "uploader CPU ms/MiB (sink)"],
      sink.map((c) => {
        const emu = find(r.cases, c.spec.uploader, "emulator", c.spec.sizeMiB, c.spec.chunkSize, c.spec.concurrency)
        const s = c.summary
        return [
          `${c.spec.sizeMiB} MiB`,
          names[c.spec.uploader],
          cfg(c.spec.chunkSize, c.spec.concurrency),
          emu === undefined ? "–" : f0(emu.mibPerSec),
          emu === undefined ? "–" : `${f0((100 * emu.serverCpuMs) / emu.wallMs)} %`,
          s === undefined ? `failed: ${c.failures[0] ?? "?"}` : f0(s.mibPerSec),
          s === undefined ? "–" : `${f0((100 * s.serverCpuMs) / s.wallMs)} %`,
          s === undefined ? "–" : f1(s.cpuMsPerMiB)
        ]
      })
    )
  ].join("\n")
}

const pollingSection = (r: BenchResults): string => {
  const polling = r.cases.filter((c) => c.spec.server === "emulator-processing").sort(byUploader)
  if (polling.length === 0) return ""
  const { checkAfterSecs, inProgressSteps } = r.options.polling
  const minimum = inProgressSteps + 1
  return [
    "## Polling efficiency",
    "",
    `The emulator processes each video for ${inProgressSteps} \`in_progress\` steps, advertising \`check_after_secs: ${checkAfterSecs}\`; ` +
    `a STATUS only advances the state once that time has passed (an earlier one is counted as premature). The fewest possible ` +
    `STATUS calls is ${minimum}, and the earliest the media can be ready is ${minimum * checkAfterSecs} s after FINALIZE.`,
    "",
    table(
      ["uploader", "size", "STATUS calls", "premature", "minimum", "FINALIZE → ready, s", "earliest possible, s"],
      polling.map((c) => {
        const s = c.summary
        return s === undefined
          ? [names[c.spec.uploader], `${c.spec.sizeMiB} MiB`, `failed: ${c.failures[0] ?? "?"}`, "", String(minimum), "", String(minimum * checkAfterSecs)]
          : [
            names[c.spec.uploader],
            `${c.spec.sizeMiB} MiB`,
            f0(s.requests.STATUS),
            s.prematureStatus === undefined ? "–" : f0(s.prematureStatus),
            String(minimum),
            s.finalizeToReadyMs === undefined ? "–" : f2(s.finalizeToReadyMs / 1000),
            String(minimum * checkAfterSecs)
          ]
      })
    )
  ].join("\n")
}

const profileBlock = (p: ProfileSummary): string => {
  const unit = p.kind === "cpu" ? "ms" : "MB"
  const value = (v: number) => (p.kind === "cpu" ? f1(v) : f1(v / 1e6))
  const title = p.kind === "cpu"
    ? `### CPU: ${names[p.uploader === "raw" ? "raw" : "xmedia"]}, ${p.sizeMiB} MiB, ${cfg(p.chunkSize, p.concurrency)}`
    : `### Allocations: ${names[p.uploader === "raw" ? "raw" : "xmedia"]}, ${p.sizeMiB} MiB, ${cfg(p.chunkSize, p.concurrency)}`
  const total = p.kind === "cpu"
    ? `${f0(p.total)} ms on CPU in the uploading process's main thread (idle excluded) = **${f1(p.totalPerMiB)} ms per MiB**, ${p.requests} requests.`
    : `${f1(p.total / 1e6)} MB allocated on the V8 heap (sampled every 16 KiB, collected objects included) = **${f2(p.totalPerMiB / 1e6)} MB per MiB** uploaded. ` +
      `${p.requests} requests. Buffer, ArrayBuffer and Blob backing stores live outside the V8 heap and are not in this number (see peak arrayBuffers in results.json).`
  return [
    title,
    "",
    total,
    `Profile: \`${p.file}\` (open it in Chrome DevTools).`,
    "",
    p.kind === "cpu" ? "Inclusive time of the areas that matter (a sample counts when any frame of its stack is in the area):" : "Inclusive allocations of the areas:",
    "",
    table(
      ["area", unit, "%", `${unit} per MiB`, p.kind === "cpu" ? "ms per request" : "KB per request"],
      p.areas.map((a) => [
        a.name,
        value(a.value),
        f1(a.pct),
        p.kind === "cpu" ? f2(a.perMiB) : f2(a.perMiB / 1e6),
        p.kind === "cpu" ? f2(a.perRequest) : f1(a.perRequest / 1e3)
      ])
    ),
    "",
    p.kind === "cpu" ? "Self time by package or core module:" : "Self allocations by package or core module:",
    "",
    table(["where", unit, "%"], p.categories.slice(0, 12).map((c) => [c.name, value(c.value), f1(c.pct)])),
    "",
    p.kind === "cpu" ? "Hottest frames by self time:" : "Top allocation sites:",
    "",
    table(["frame", "location", "where", unit, "%"], p.topFrames.map((t) => [`\`${t.name}\``, t.location === "" ? "" : `\`${t.location}\``, t.category, value(t.value), f1(t.pct)]))
  ].join("\n")
}

const profileSection = (r: BenchResults): string =>
  r.profiles.length === 0 ? "" : [
    "## Overhead: where the CPU and the allocations go",
    "",
    "Profiles taken inside the uploading process around the upload only (node:inspector `Profiler` at 200 µs sampling, " +
    "`HeapProfiler.startSampling` with collected objects included), one run each, of the same compiled child as every " +
    "other run; frames of the bundle are mapped back to the TypeScript files and lines through its source maps.",
    "",
    ...r.profiles.map(profileBlock).flatMap((b) => [b, ""])
  ].join("\n")

const footprintSection = (r: BenchResults): string =>
  r.footprints.length === 0 ? "" : [
    "## Module footprint: RSS before a byte is sent",
    "",
    "Each set of modules imported alone in a fresh Node process (compiled like the uploaders, npm packages loaded from " +
    "node_modules), then a GC; median RSS of the runs. This is the floor under each uploader's peak RSS.",
    "",
    table(
      ["modules", "RSS MB", "over Node alone, MB", "V8 heap used MB"],
      r.footprints.map((f) => [
        f.set,
        mb(f.rssBytes),
        mb(f.rssBytes - (r.footprints[0]?.rssBytes ?? 0)),
        mb(f.heapUsedBytes)
      ])
    )
  ].join("\n")

const notesSection = (r: BenchResults): string => {
  const failures = r.cases.filter((c) => c.failures.length > 0)
  return [
    "## How this was measured",
    "",
    ...r.notes.map((n) => `- ${n}`),
    ...(failures.length === 0 ? [] : [
      "",
      "### Failed runs",
      "",
      ...failures.map((c) => `- ${c.spec.id}: ${c.failures.length} of ${c.failures.length + c.runs.length} runs failed: ${c.failures.join("; ")}`)
    ])
  ].join("\n")
}

/** The whole RESULTS.md. */
export const renderMarkdown = (r: BenchResults): string =>
  [
    "# x-media upload benchmark",
    "",
    `Generated by \`${r.command}\` on ${r.startedAt} in ${(r.durationSecs / 60).toFixed(1)} min: ${r.options.runs} runs per ` +
    `configuration, medians reported; sizes ${r.options.sizesMiB.join(", ")} MiB (1 MiB = 1,048,576 bytes; MiB/s likewise). ` +
    "Raw data: `results.json` beside this file. Do not edit by hand: run the benchmark again. " +
    "† marks a configuration with a run during which other processes kept the machine busy (see the notes at the end).",
    "",
    machineSection(r),
    "",
    targetsSection(r),
    "",
    compareSection(r),
    "",
    gridSection(r),
    "",
    sinkSection(r),
    "",
    pollingSection(r),
    "",
    profileSection(r),
    "",
    footprintSection(r),
    "",
    notesSection(r),
    ""
  ].join("\n")
