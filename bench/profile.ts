/**
 * Summaries of the profiles the child takes around one upload: the top frames by self time (CPU) or by
 * bytes allocated (sampling heap profiler, objects later collected included), the same grouped by package
 * or core module, and the inclusive cost of the areas that matter here (signing, request building, file
 * reading, the HTTP client), per MiB uploaded.
 *
 * @module
 */
import { readFile } from "node:fs/promises"
import { SourceMap, type SourceMapPayload } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"

/** A V8 call frame, as in .cpuprofile and .heapprofile files. */
interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface CpuNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<CpuNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

interface HeapNode {
  readonly callFrame: CallFrame
  readonly selfSize: number
  readonly children: ReadonlyArray<HeapNode>
}

interface HeapProfile {
  readonly head: HeapNode
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/**
 * Maps frames of the compiled child (bench/.data/build/*.mjs) back to the TypeScript they came from through
 * the bundle's source maps, so a frame of @x-media/core shows as packages/core/src/<File>.ts:<line>. Frames
 * of npm packages (loaded from node_modules, not bundled) and of Node are left as they are.
 */
export class FrameMapper {
  private readonly maps = new Map<string, SourceMap | undefined>()

  private async load(url: string): Promise<SourceMap | undefined> {
    if (this.maps.has(url)) return this.maps.get(url)
    let map: SourceMap | undefined
    try {
      const payload: SourceMapPayload = JSON.parse(await readFile(`${fileURLToPath(url)}.map`, "utf8"))
      map = new SourceMap(payload)
    } catch {
      map = undefined
    }
    this.maps.set(url, map)
    return map
  }

  /** Loads the source maps of every bundle file among `urls`. */
  async prepare(urls: Iterable<string>): Promise<void> {
    for (const url of urls) if (url.startsWith("file://") && url.endsWith(".mjs") && url.includes("/.data/build/")) await this.load(url)
  }

  /** The frame in original source terms (unchanged when it has no source map). */
  map(frame: CallFrame): CallFrame {
    const sourceMap = this.maps.get(frame.url)
    if (sourceMap === undefined) return frame
    const entry = sourceMap.findEntry(frame.lineNumber, frame.columnNumber)
    if (!("originalSource" in entry)) return frame
    const original = entry.originalSource.startsWith("file://")
      ? entry.originalSource
      : new URL(entry.originalSource, frame.url).href
    return {
      functionName: frame.functionName,
      url: original.startsWith("file://") ? original : pathToFileURL(original).href,
      lineNumber: entry.originalLine,
      columnNumber: entry.originalColumn
    }
  }
}

const isCpuProfile = (value: unknown): value is CpuProfile =>
  isObject(value) && Array.isArray(value["nodes"]) && Array.isArray(value["samples"]) && Array.isArray(value["timeDeltas"])

const isHeapProfile = (value: unknown): value is HeapProfile => isObject(value) && isObject(value["head"])

/** One frame's share. `value` is milliseconds (CPU) or bytes (heap). */
export interface FrameStat {
  readonly name: string
  readonly location: string
  readonly category: string
  readonly value: number
  readonly pct: number
}

/** A group's share (category: self; area: inclusive). */
export interface Share {
  readonly name: string
  readonly value: number
  readonly pct: number
  readonly perMiB: number
  /** Per HTTP request of the upload (INIT, APPENDs, FINALIZE). */
  readonly perRequest: number
}

/** The summary of one profile. */
export interface ProfileSummary {
  readonly kind: "cpu" | "heap"
  readonly uploader: string
  readonly sizeMiB: number
  readonly chunkSize: number
  readonly concurrency: number
  /** The profile file, relative to the repository. */
  readonly file: string
  /** HTTP requests the upload made (as the emulator recorded them). */
  readonly requests: number
  /** CPU: milliseconds on CPU (idle excluded); heap: bytes allocated on the V8 heap (sampled estimate). */
  readonly total: number
  readonly totalPerMiB: number
  readonly topFrames: ReadonlyArray<FrameStat>
  readonly categories: ReadonlyArray<Share>
  readonly areas: ReadonlyArray<Share>
}

const repoRelative = (url: string): string =>
  url.replace(/^file:\/\//, "").replace(/^.*?\/node_modules\//, "").replace(/^.*?\/(packages|bench)\//, "$1/")

/** Which package or core module a frame belongs to. */
export const categoryOf = (frame: CallFrame): string => {
  const { url, functionName } = frame
  if (url === "") {
    if (functionName === "(garbage collector)") return "GC"
    if (functionName === "(idle)") return "idle"
    if (functionName === "(program)") return "V8/native (program)"
    return "native builtins"
  }
  const core = /\/packages\/core\/src\/([^/]+)\.ts/.exec(url)
  if (core !== null) return `@x-media/core ${core[1]}`
  if (url.includes("/node_modules/effect/")) return "effect"
  if (url.includes("/node_modules/@effect/")) return "@effect/platform-node"
  if (url.includes("/node_modules/undici/")) return "undici"
  if (url.includes("/node_modules/twitter-api-v2/")) return "twitter-api-v2"
  if (url.startsWith("node:")) return "Node internals"
  if (url.includes("/bench/")) return "bench (uploader/harness)"
  return "other"
}

/** The areas whose inclusive cost is reported: a sample counts for an area when any frame of its stack matches. */
const areas: ReadonlyArray<readonly [string, (frame: CallFrame) => boolean]> = [
  [
    "signing (OAuth 1.0a: core Auth/OAuth1 and effect/crypto, bench oauth1, node:crypto)",
    (f) => /\/core\/src\/(Auth|OAuth1)\.ts|\/bench\/oauth1\.ts|\/effect\/dist\/crypto\/|^node:internal\/crypto\//.test(f.url)
  ],
  ["request building (core Protocol)", (f) => /\/core\/src\/Protocol\.ts/.test(f.url)],
  ["reading the file (core MediaSource/Rechunk, FileSystem)", (f) => /\/core\/src\/(MediaSource|Rechunk)\.ts|NodeFileSystem/.test(f.url)],
  ["HTTP client (undici, NodeHttpClient, effect/http)", (f) => /\/undici\/|NodeHttpClient|\/effect\/dist\/.*http\//.test(f.url)],
  ["answer handling (core Exchange, Wire, MediaStatus)", (f) => /\/core\/src\/(Exchange|Wire|MediaStatus)\.ts/.test(f.url)],
  ["rate budget and retries (core RequestPolicy, effect RateLimiter)", (f) => /\/core\/src\/RequestPolicy\.ts|RateLimiter/.test(f.url)]
]

const frameKey = (f: CallFrame) => `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`
const frameName = (f: CallFrame) => f.functionName === "" ? "(anonymous)" : f.functionName
const frameLocation = (f: CallFrame) => f.url === "" ? "" : `${repoRelative(f.url)}:${f.lineNumber + 1}`

const top = (stats: Map<string, { frame: CallFrame; value: number }>, total: number, n: number): Array<FrameStat> =>
  [...stats.values()]
    .sort((a, b) => b.value - a.value)
    .slice(0, n)
    .map(({ frame, value }) => ({
      name: frameName(frame),
      location: frameLocation(frame),
      category: categoryOf(frame),
      value,
      pct: total === 0 ? 0 : (100 * value) / total
    }))

const shares = (values: Map<string, number>, total: number, context: ProfileContext): Array<Share> =>
  [...values.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => ({
      name,
      value,
      pct: total === 0 ? 0 : (100 * value) / total,
      perMiB: value / context.sizeMiB,
      perRequest: context.requests === 0 ? 0 : value / context.requests
    }))

/** Metadata every summary carries. */
export interface ProfileContext {
  readonly uploader: string
  readonly sizeMiB: number
  readonly chunkSize: number
  readonly concurrency: number
  readonly file: string
  readonly requests: number
}

/** Summarises a .cpuprofile: self time per frame and category (idle excluded), inclusive time per area. */
export const summariseCpu = async (path: string, context: ProfileContext): Promise<ProfileSummary> => {
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"))
  if (!isCpuProfile(parsed)) throw new Error(`${path} is not a CPU profile`)
  const mapper = new FrameMapper()
  await mapper.prepare(parsed.nodes.map((n) => n.callFrame.url))
  const byId = new Map<number, CpuNode>()
  const parent = new Map<number, number>()
  for (const raw of parsed.nodes) {
    const node: CpuNode = { ...raw, callFrame: mapper.map(raw.callFrame) }
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const selfById = new Map<number, number>()
  // timeDeltas[i] is the time before sample i; the time of sample i is the gap to the next one.
  for (let i = 0; i < parsed.samples.length; i++) {
    const id = parsed.samples[i] ?? 0
    const ms = (parsed.timeDeltas[i + 1] ?? 0) / 1000
    selfById.set(id, (selfById.get(id) ?? 0) + ms)
  }
  const frames = new Map<string, { frame: CallFrame; value: number }>()
  const categories = new Map<string, number>()
  const areaTotals = new Map<string, number>(areas.map(([name]) => [name, 0]))
  let busy = 0
  for (const [id, ms] of selfById) {
    const node = byId.get(id)
    if (node === undefined) continue
    const category = categoryOf(node.callFrame)
    if (category === "idle") continue
    busy += ms
    categories.set(category, (categories.get(category) ?? 0) + ms)
    const key = frameKey(node.callFrame)
    const stat = frames.get(key) ?? { frame: node.callFrame, value: 0 }
    stat.value += ms
    frames.set(key, stat)
    const hit = new Set<string>()
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor)?.callFrame
      if (frame === undefined) break
      for (const [name, matches] of areas) if (matches(frame)) hit.add(name)
    }
    for (const name of hit) areaTotals.set(name, (areaTotals.get(name) ?? 0) + ms)
  }
  return {
    kind: "cpu",
    ...context,
    total: busy,
    totalPerMiB: busy / context.sizeMiB,
    topFrames: top(frames, busy, 15),
    categories: shares(categories, busy, context),
    areas: shares(areaTotals, busy, context)
  }
}

/** Summarises a sampling .heapprofile: bytes allocated per frame, category and area. */
export const summariseHeap = async (path: string, context: ProfileContext): Promise<ProfileSummary> => {
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"))
  if (!isHeapProfile(parsed)) throw new Error(`${path} is not a heap profile`)
  const mapper = new FrameMapper()
  const urls = new Set<string>()
  const collect = (node: HeapNode) => {
    urls.add(node.callFrame.url)
    for (const child of node.children) collect(child)
  }
  collect(parsed.head)
  await mapper.prepare(urls)
  const frames = new Map<string, { frame: CallFrame; value: number }>()
  const categories = new Map<string, number>()
  const areaTotals = new Map<string, number>(areas.map(([name]) => [name, 0]))
  let total = 0
  const walk = (raw: HeapNode, inAreas: ReadonlySet<string>) => {
    const node: HeapNode = { ...raw, callFrame: mapper.map(raw.callFrame) }
    const here = new Set(inAreas)
    for (const [name, matches] of areas) if (matches(node.callFrame)) here.add(name)
    if (node.selfSize > 0) {
      total += node.selfSize
      const category = categoryOf(node.callFrame)
      categories.set(category, (categories.get(category) ?? 0) + node.selfSize)
      const key = frameKey(node.callFrame)
      const stat = frames.get(key) ?? { frame: node.callFrame, value: 0 }
      stat.value += node.selfSize
      frames.set(key, stat)
      for (const name of here) areaTotals.set(name, (areaTotals.get(name) ?? 0) + node.selfSize)
    }
    for (const child of node.children) walk(child, here)
  }
  walk(parsed.head, new Set())
  return {
    kind: "heap",
    ...context,
    total,
    totalPerMiB: total / context.sizeMiB,
    topFrames: top(frames, total, 10),
    categories: shares(categories, total, context),
    areas: shares(areaTotals, total, context)
  }
}
