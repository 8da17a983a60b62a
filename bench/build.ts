/**
 * Compiles the uploading child (bench/child.ts, its uploaders, and @x-media/core's TypeScript sources) to
 * plain JavaScript with esbuild before a run, leaving every npm package (effect, @effect/platform-node,
 * undici, twitter-api-v2) external, so it loads from node_modules as in a compiled application. The child
 * then runs on plain Node: no TypeScript loader or type stripper in its memory or its CPU time, which
 * would otherwise add 40–100 MB to every uploader's peak RSS.
 *
 * @module
 */
import { build } from "esbuild"
import { fileURLToPath } from "node:url"
import * as Path from "node:path"

/** Packages loaded from node_modules at run time rather than bundled. */
const external = ["effect", "effect/*", "@effect/*", "undici", "undici/*", "twitter-api-v2"]

/** The compiled entry points. */
export interface Built {
  /** The uploading child (child.ts). */
  readonly child: string
  /** The module-footprint probe (footprint.ts). */
  readonly footprint: string
}

/** Bundles the child and the footprint probe into `outDir` (ESM, code-split) and returns their paths. */
export const buildChild = async (outDir: string): Promise<Built> => {
  await build({
    entryPoints: [
      fileURLToPath(new URL("./child.ts", import.meta.url)),
      fileURLToPath(new URL("./footprint.ts", import.meta.url))
    ],
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    sourcemap: "linked",
    external,
    outExtension: { ".js": ".mjs" },
    logLevel: "warning"
  })
  return { child: Path.join(outDir, "child.mjs"), footprint: Path.join(outDir, "footprint.mjs") }
}
