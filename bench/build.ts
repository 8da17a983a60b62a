/**
 * Compiles what the measured processes run, with esbuild, so no TypeScript loader sits in anyone's memory:
 * - `child.mjs` (and `rusage.mjs`): the library uploading process; npm packages stay external and load from
 *   node_modules, as in a compiled application;
 * - `x-media.mjs`: packages/node/src/bin.ts bundled whole into one file (effect and undici included), run
 *   with plain node: the installed CLI as a user runs it.
 *
 * @module
 */
import { build } from "esbuild"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** The compiled entry points. */
export interface Built {
  readonly child: string
  readonly rusage: string
  readonly cli: string
}

/** Builds everything into `outDir`. */
export const buildAll = async (outDir: string): Promise<Built> => {
  const common = { bundle: true, format: "esm", platform: "node", target: "node22", logLevel: "warning" } as const
  await build({
    ...common,
    entryPoints: [here("./child.ts"), here("./rusage.ts")],
    outdir: outDir,
    splitting: true,
    outExtension: { ".js": ".mjs" },
    external: ["effect", "effect/*", "@effect/*", "undici", "undici/*", "twitter-api-v2"]
  })
  await build({
    ...common,
    entryPoints: [here("../packages/node/src/bin.ts")],
    outfile: Path.join(outDir, "x-media.mjs"),
    // Some CommonJS dependencies call require(): give the ES module bundle one.
    banner: {
      js:
        "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
    }
  })
  return {
    child: Path.join(outDir, "child.mjs"),
    rusage: Path.join(outDir, "rusage.mjs"),
    cli: Path.join(outDir, "x-media.mjs")
  }
}
