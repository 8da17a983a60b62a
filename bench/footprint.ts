/**
 * How much resident memory merely loading each uploader's modules costs: run as
 * `node --expose-gc footprint.mjs <set>` (compiled by build.ts, npm packages external), it imports one set
 * of modules, collects garbage, and prints one {@link FootprintReport} line. The orchestrator runs every
 * set in a fresh process. This is the floor under each uploader's peak RSS, before a byte is sent.
 *
 * @module
 */

/** The module sets measured, by name. */
export const footprintSets = {
  "Node alone": async () => {},
  "effect (import from \"effect\")": async () => {
    await import("effect")
  },
  "effect, deep imports (effect/Effect, effect/Stream, effect/Schema, effect/Layer)": async () => {
    await Promise.all([import("effect/Effect"), import("effect/Stream"), import("effect/Schema"), import("effect/Layer")])
  },
  "@effect/platform-node (import from \"@effect/platform-node\")": async () => {
    await import("@effect/platform-node")
  },
  "@effect/platform-node, deep imports (NodeHttpClient, NodeFileSystem)": async () => {
    await Promise.all([import("@effect/platform-node/NodeHttpClient"), import("@effect/platform-node/NodeFileSystem")])
  },
  "undici": async () => {
    await import("undici")
  },
  "@x-media/core": async () => {
    await import("@x-media/core")
  },
  "@x-media/core + @x-media/node (what the xmedia uploader loads)": async () => {
    await Promise.all([import("@x-media/core"), import("@x-media/node")])
  },
  "twitter-api-v2": async () => {
    await import("twitter-api-v2")
  }
} as const satisfies Record<string, () => Promise<void>>

/** A set's name. */
export type FootprintSet = keyof typeof footprintSets

/** What one footprint process prints after {@link footprintMarker}. */
export interface FootprintReport {
  readonly set: string
  readonly rssBytes: number
  readonly heapUsedBytes: number
}

/** The prefix of the report line. */
export const footprintMarker = "FOOTPRINT "

const isSet = (name: string): name is FootprintSet => name in footprintSets

const main = async () => {
  const name = process.argv[2] ?? ""
  if (!isSet(name)) throw new Error(`unknown set ${name}`)
  await footprintSets[name]()
  globalThis.gc?.()
  const usage = process.memoryUsage()
  const report: FootprintReport = { set: name, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed }
  process.stdout.write(`${footprintMarker}${JSON.stringify(report)}\n`)
}

if (process.argv[1]?.endsWith("footprint.mjs") === true) {
  main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  })
}
