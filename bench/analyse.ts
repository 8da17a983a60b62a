/**
 * From runs to conclusions: the medians of each case, what the grid says about the default chunk size and
 * concurrency, and the verdict on each of the four targets with the numbers behind it.
 *
 * @module
 */
import { MiB } from "./files.ts"
import type { UploaderKind } from "./job.ts"
import { median, range } from "./measure.ts"
import { currentDefaults, fullGridSizeMiB } from "./plan.ts"
import type { ProfileSummary } from "./profile.ts"
import type { CaseResult, CaseSummary, DefaultsAnalysis, Footprint, RunRecord, ServerKind, TargetResult } from "./results.ts"

const medianOf = (runs: ReadonlyArray<RunRecord>, f: (r: RunRecord) => number) => median(runs.map(f))

const optionalMedian = (runs: ReadonlyArray<RunRecord>, f: (r: RunRecord) => number | undefined) => {
  const values = runs.map(f).filter((v): v is number => v !== undefined)
  return values.length === 0 ? undefined : median(values)
}

/** Medians over the successful runs; undefined when none succeeded. */
export const summarise = (runs: ReadonlyArray<RunRecord>, sizeMiB: number): CaseSummary | undefined => {
  if (runs.length === 0) return undefined
  const cpuMs = medianOf(runs, (r) => r.cpuMs)
  return {
    runs: runs.length,
    warmupMs: medianOf(runs, (r) => r.warmupMs),
    wallMs: medianOf(runs, (r) => r.wallMs),
    mibPerSec: medianOf(runs, (r) => r.mibPerSec),
    mibPerSecRange: range(runs.map((r) => r.mibPerSec)),
    cpuMs,
    cpuMsPerMiB: cpuMs / sizeMiB,
    maxRssBytes: medianOf(runs, (r) => r.maxRssBytes),
    maxRssRange: range(runs.map((r) => r.maxRssBytes)),
    rssBeforeBytes: medianOf(runs, (r) => r.rssBeforeBytes),
    peakArrayBuffersBytes: medianOf(runs, (r) => r.peakArrayBuffersBytes),
    serverCpuMs: medianOf(runs, (r) => r.serverCpuMs),
    requests: {
      INIT: medianOf(runs, (r) => r.requests.INIT),
      APPEND: medianOf(runs, (r) => r.requests.APPEND),
      FINALIZE: medianOf(runs, (r) => r.requests.FINALIZE),
      STATUS: medianOf(runs, (r) => r.requests.STATUS),
      other: medianOf(runs, (r) => r.requests.other)
    },
    prematureStatus: optionalMedian(runs, (r) => r.prematureStatus),
    maxConcurrentAppends: optionalMedian(runs, (r) => r.maxConcurrentAppends),
    finalizeToReadyMs: optionalMedian(runs, (r) => r.finalizeToReadyMs)
  }
}

/** Finds the summary of the case with these parameters. */
export const find = (
  cases: ReadonlyArray<CaseResult>,
  uploader: UploaderKind,
  server: ServerKind,
  sizeMiB: number,
  chunkSize: number,
  concurrency: number
): CaseSummary | undefined =>
  cases.find((c) =>
    c.spec.uploader === uploader && c.spec.server === server && c.spec.sizeMiB === sizeMiB &&
    c.spec.chunkSize === chunkSize && c.spec.concurrency === concurrency
  )?.summary

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`
const rate = (value: number) => `${value.toFixed(0)} MiB/s`
const pct = (value: number) => `${(100 * value).toFixed(0)} %`
const cfg = (chunkSize: number, concurrency: number) => `${chunkSize / MiB} MiB × c${concurrency}`

/** What the 64 MiB grid says about the defaults: the best, the current, and the cheapest within 5 % of the best. */
export const analyseDefaults = (cases: ReadonlyArray<CaseResult>): DefaultsAnalysis | undefined => {
  const grid = cases.filter((c) =>
    c.spec.uploader === "xmedia" && c.spec.server === "emulator" && c.spec.sizeMiB === fullGridSizeMiB && c.summary !== undefined
  )
  const points = grid.flatMap((c) =>
    c.summary === undefined ? [] : [{
      chunkSize: c.spec.chunkSize,
      concurrency: c.spec.concurrency,
      mibPerSec: c.summary.mibPerSec,
      maxRssBytes: c.summary.maxRssBytes
    }]
  )
  const current = points.find((p) => p.chunkSize === currentDefaults.chunkSize && p.concurrency === currentDefaults.concurrency)
  if (points.length < 2 || current === undefined) return undefined
  const best = points.reduce((a, b) => (b.mibPerSec > a.mibPerSec ? b : a))
  const recommended = points
    .filter((p) => p.mibPerSec >= 0.95 * best.mibPerSec)
    .reduce((a, b) => {
      const inFlightA = a.chunkSize * a.concurrency
      const inFlightB = b.chunkSize * b.concurrency
      return inFlightB < inFlightA || (inFlightB === inFlightA && b.mibPerSec > a.mibPerSec) ? b : a
    })
  const withinBest = current.mibPerSec >= 0.95 * best.mibPerSec
  const verdict = withinBest
    ? `The defaults (${cfg(current.chunkSize, current.concurrency)}) reach ${rate(current.mibPerSec)}, within 5 % of the best measured ` +
      `(${cfg(best.chunkSize, best.concurrency)}, ${rate(best.mibPerSec)}): the data supports them` +
      (recommended.chunkSize * recommended.concurrency < current.chunkSize * current.concurrency
        ? `; ${cfg(recommended.chunkSize, recommended.concurrency)} is as fast (${rate(recommended.mibPerSec)}) with less in flight.`
        : ".")
    : `The defaults (${cfg(current.chunkSize, current.concurrency)}) reach ${rate(current.mibPerSec)}, ` +
      `${pct(1 - current.mibPerSec / best.mibPerSec)} below the best measured (${cfg(best.chunkSize, best.concurrency)}, ` +
      `${rate(best.mibPerSec)}); the cheapest configuration within 5 % of the best is ${cfg(recommended.chunkSize, recommended.concurrency)} ` +
      `(${rate(recommended.mibPerSec)}).`
  return {
    sizeMiB: fullGridSizeMiB,
    best: { chunkSize: best.chunkSize, concurrency: best.concurrency, mibPerSec: best.mibPerSec },
    current,
    recommended,
    verdict
  }
}

/** Inputs of the target verdicts. */
export interface TargetInputs {
  readonly cases: ReadonlyArray<CaseResult>
  /** Cases of an earlier `--large` run, used for the 512 MiB numbers when this run has none. */
  readonly largeCases: ReadonlyArray<CaseResult>
  readonly largeRunAt: string | undefined
  readonly profiles: ReadonlyArray<ProfileSummary>
  readonly footprints: ReadonlyArray<Footprint>
  readonly polling: { readonly checkAfterSecs: number; readonly inProgressSteps: number }
}

const topAreas = (profile: ProfileSummary | undefined, n: number): string =>
  profile === undefined
    ? "no profile"
    : profile.areas.slice(0, n).map((a) => `${a.name} ${a.perMiB.toFixed(1)} ms/MiB`).join("; ")

const footprintWhy = (footprints: ReadonlyArray<Footprint>): ReadonlyArray<string> => {
  const node = footprints[0]
  const of = (prefix: string) => footprints.find((f) => f.set.startsWith(prefix))
  const ours = of("@x-media/core + @x-media/node")
  const barrel = of("@effect/platform-node (import")
  const deep = of("@effect/platform-node, deep")
  const effectBarrel = of("effect (import")
  const effectDeep = of("effect, deep")
  if (node === undefined || ours === undefined) return []
  return [
    `loading the modules alone costs ${mb(ours.rssBytes)} RSS (Node alone ${mb(node.rssBytes)}): ` +
    (barrel !== undefined && deep !== undefined
      ? `\`import … from "@effect/platform-node"\` (as @x-media/node does) loads every platform module, ${mb(barrel.rssBytes)} against ${mb(deep.rssBytes)} with deep imports of NodeHttpClient and NodeFileSystem; `
      : "") +
    (effectBarrel !== undefined && effectDeep !== undefined
      ? `\`import … from "effect"\` ${mb(effectBarrel.rssBytes)} against ${mb(effectDeep.rssBytes)} for deep imports of the modules used.`
      : "")
  ]
}

/** The four targets of the issue, each with its verdict, the numbers, and (where missed) why. */
export const evaluateTargets = (input: TargetInputs): ReadonlyArray<TargetResult> => {
  const { cases } = input
  const d = currentDefaults
  const sizes = [...new Set(cases.filter((c) => c.spec.section === "compare").map((c) => c.spec.sizeMiB))].sort((a, b) => a - b)
  const xCpu = input.profiles.find((p) => p.kind === "cpu" && p.uploader === "xmedia")
  const rawCpu = input.profiles.find((p) => p.kind === "cpu" && p.uploader === "raw")
  const targets: Array<TargetResult> = []

  // (1) ≥ 90 % of the raw baseline at the same chunk size and concurrency.
  {
    const pairs = cases.flatMap((c) => {
      if (c.spec.uploader !== "xmedia" || c.summary === undefined || c.spec.server === "emulator-processing") return []
      const raw = find(cases, "raw", c.spec.server, c.spec.sizeMiB, c.spec.chunkSize, c.spec.concurrency)
      return raw === undefined ? [] : [{ spec: c.spec, ratio: c.summary.mibPerSec / raw.mibPerSec, ours: c.summary.mibPerSec, raw: raw.mibPerSec }]
    })
    const onEmulator = pairs.filter((p) => p.spec.server === "emulator")
    const onSink = pairs.filter((p) => p.spec.server === "sink")
    const describe = (p: (typeof pairs)[number]) =>
      `${p.spec.sizeMiB} MiB, ${cfg(p.spec.chunkSize, p.spec.concurrency)}: ${rate(p.ours)} vs raw ${rate(p.raw)} = ${pct(p.ratio)}`
    const atDefaults = onEmulator.filter((p) => p.spec.chunkSize === d.chunkSize && p.spec.concurrency === d.concurrency)
    const worst = [...onEmulator].sort((a, b) => a.ratio - b.ratio).slice(0, 3)
    const met = onEmulator.length > 0 && onEmulator.every((p) => p.ratio >= 0.9)
    const below = onEmulator.filter((p) => p.ratio < 0.9).length
    targets.push({
      id: 1,
      title: "≥ 90 % of the raw baseline's throughput at the same chunk size and concurrency",
      verdict: onEmulator.length === 0 ? "not measured" : met ? "met" : "missed",
      evidence: [
        ...atDefaults.map((p) => `defaults, emulator: ${describe(p)}`),
        `${onEmulator.length - below} of ${onEmulator.length} emulator configurations at ≥ 90 %; lowest: ${worst.map(describe).join("; ")}`,
        ...onSink.map((p) => `null sink (no emulator cost): ${describe(p)}`)
      ],
      why: met ? [] : [
        `CPU per MiB uploaded (64 MiB, defaults): ours ${xCpu === undefined ? "?" : xCpu.totalPerMiB.toFixed(1)} ms/MiB, raw ${rawCpu === undefined ? "?" : rawCpu.totalPerMiB.toFixed(1)} ms/MiB. ` +
        `On 2 cores the uploader competes with the emulator for CPU, so its CPU cost becomes wall time.`,
        `Where our CPU goes (inclusive, from the profile): ${topAreas(xCpu, 4)}.`
      ]
    })
  }

  // (2) Peak RSS for 512 MiB under 150 MB, not growing with file size.
  {
    const rssAt = (size: number) =>
      find(cases, "xmedia", "emulator", size, d.chunkSize, d.concurrency) ??
        find(input.largeCases, "xmedia", "emulator", size, d.chunkSize, d.concurrency)
    const allSizes = [...new Set([...sizes, ...input.largeCases.map((c) => c.spec.sizeMiB)])].sort((a, b) => a - b)
    const points = allSizes.flatMap((s) => {
      const summary = rssAt(s)
      return summary === undefined ? [] : [{ size: s, rss: summary.maxRssBytes, before: summary.rssBeforeBytes, buffers: summary.peakArrayBuffersBytes }]
    })
    const at512 = points.find((p) => p.size === 512)
    const first = points[0]
    const last = points.at(-1)
    const growth = first !== undefined && last !== undefined && last.size > first.size ? (last.rss - first.rss) / first.rss : 0
    const flat = growth <= 0.1
    const under = at512 !== undefined && at512.rss < 150e6
    const from512 = at512 !== undefined && !sizes.includes(512) && input.largeRunAt !== undefined
      ? ` (512 MiB from the --large run of ${input.largeRunAt})`
      : ""
    const tapiV1 = (s: number) => find(cases, "tapi-v1", "emulator", s, d.chunkSize, d.concurrency)
    targets.push({
      id: 2,
      title: "peak RSS of a 512 MiB upload under 150 MB, and not growing with file size",
      verdict: at512 === undefined ? "not measured" : under && flat ? "met" : "missed",
      evidence: [
        `ours at the defaults, peak RSS per size: ${points.map((p) => `${p.size} MiB ${mb(p.rss)}`).join(", ")}${from512}`,
        first !== undefined && last !== undefined
          ? `growth from ${first.size} to ${last.size} MiB: ${(100 * growth).toFixed(0)} % (${flat ? "flat" : "grows"})`
          : "not enough sizes",
        ...(at512 === undefined ? ["512 MiB was not run: `npm run bench -- --large`"] : [])
      ],
      why: under && flat ? [] : [
        ...footprintWhy(input.footprints),
        ...points.slice(-1).map((p) =>
          `RSS before the first byte is sent (Node + effect + @effect/platform-node + undici loaded): ${mb(p.before)}; ` +
          `peak Buffer/ArrayBuffer memory during the upload: ${mb(p.buffers)} for ${mb(d.chunkSize * d.concurrency)} in flight ` +
          `(${(p.buffers / (d.chunkSize * d.concurrency)).toFixed(1)}× chunk × concurrency).`
        ),
        ...sizes.flatMap((s) => {
          const raw = find(cases, "raw", "emulator", s, d.chunkSize, d.concurrency)
          const v1 = tapiV1(s)
          return s === sizes.at(-1) && raw !== undefined
            ? [`for comparison at ${s} MiB: raw baseline ${mb(raw.maxRssBytes)} (before upload ${mb(raw.rssBeforeBytes)}), twitter-api-v2 v1 ${v1 === undefined ? "?" : mb(v1.maxRssBytes)}.`]
            : []
        })
      ]
    })
  }

  // (3) Faster than twitter-api-v2 v2 at every size; no more memory than its v1 streaming upload.
  {
    const rows = sizes.flatMap((s) => {
      const ours = find(cases, "xmedia", "emulator", s, d.chunkSize, d.concurrency)
      const v2 = find(cases, "tapi-v2", "emulator", s, d.chunkSize, 1)
      const v1 = find(cases, "tapi-v1", "emulator", s, d.chunkSize, d.concurrency)
      return ours === undefined ? [] : [{ s, ours, v2, v1 }]
    })
    const faster = rows.every((r) => r.v2 !== undefined && r.ours.wallMs < r.v2.wallMs)
    const leaner = rows.every((r) => r.v1 !== undefined && r.ours.maxRssBytes <= r.v1.maxRssBytes)
    const met = rows.length > 0 && faster && leaner
    targets.push({
      id: 3,
      title: "faster than twitter-api-v2's v2 upload at every size, and no more memory than its v1 streaming upload",
      verdict: rows.length === 0 ? "not measured" : met ? "met" : "missed",
      evidence: rows.map((r) =>
        `${r.s} MiB: ours ${rate(r.ours.mibPerSec)} / ${mb(r.ours.maxRssBytes)}; ` +
        `v2.uploadMedia ${r.v2 === undefined ? "?" : `${rate(r.v2.mibPerSec)} / ${mb(r.v2.maxRssBytes)}`}; ` +
        `v1.uploadMedia ${r.v1 === undefined ? "?" : `${rate(r.v1.mibPerSec)} / ${mb(r.v1.maxRssBytes)}`}`
      ),
      why: met ? [] : [
        ...(faster ? [] : ["slower than v2.uploadMedia at: " + rows.filter((r) => r.v2 === undefined || r.ours.wallMs >= r.v2.wallMs).map((r) => `${r.s} MiB`).join(", ")]),
        ...(leaner ? [] : [
          "more memory than v1.uploadMedia at: " +
          rows.filter((r) => r.v1 === undefined || r.ours.maxRssBytes > r.v1.maxRssBytes).map((r) =>
            `${r.s} MiB (${mb(r.ours.maxRssBytes)} vs ${r.v1 === undefined ? "?" : mb(r.v1.maxRssBytes)}; before the upload ${mb(r.ours.rssBeforeBytes)} vs ${r.v1 === undefined ? "?" : mb(r.v1.rssBeforeBytes)})`
          ).join(", ")
        ])
      ]
    })
  }

  // (4) STATUS calls equal to the minimum.
  {
    const minimum = input.polling.inProgressSteps + 1
    const polling = cases.filter((c) => c.spec.server === "emulator-processing")
    const ours = polling.find((c) => c.spec.uploader === "xmedia")?.summary
    const met = ours !== undefined && ours.requests.STATUS === minimum && ours.prematureStatus === 0
    targets.push({
      id: 4,
      title: "STATUS calls equal to the minimum",
      verdict: ours === undefined ? "not measured" : met ? "met" : "missed",
      evidence: [
        `processing with check_after_secs ${input.polling.checkAfterSecs} and ${input.polling.inProgressSteps} in_progress steps: minimum ${minimum} STATUS calls, ` +
        `${minimum * input.polling.checkAfterSecs} s from FINALIZE to ready`,
        ...polling.flatMap((c) =>
          c.summary === undefined ? [`${c.spec.uploader}: failed (${c.failures[0] ?? "?"})`] : [
            `${c.spec.uploader}: ${c.summary.requests.STATUS} STATUS (${c.summary.prematureStatus ?? "?"} premature), ` +
            `ready ${((c.summary.finalizeToReadyMs ?? Number.NaN) / 1000).toFixed(2)} s after FINALIZE`
          ]
        )
      ],
      why: met ? [] : [`ours made ${ours?.requests.STATUS ?? "?"} STATUS calls, ${ours?.prematureStatus ?? "?"} of them premature`]
    })
  }
  return targets
}
