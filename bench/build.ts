/**
 * Compiles what the measured processes run, with esbuild, so no TypeScript loader sits in anyone's memory:
 * - `child.mjs` (and `rusage.mjs`): the library uploading process; npm packages stay external and load from
 *   node_modules, as in a compiled application;
 * - the CLI: `npm run build` builds the packages, and the CLI runs as installed: the launcher
 *   `packages/node/bin/x-media.cjs` (Node's compile cache on) and the bundle split per command that it
 *   imports (bench/STARTUP.md), run with plain node;
 * - `floor.mjs`: the same child with everything bundled in (effect included), minified and split as the
 *   CLI's bundle is, started by a launcher that turns Node's compile cache on as the CLI's does: the
 *   `effect-floor` uploader runs cold from it, so it pays what the CLI pays to load effect;
 * - `cli-floor.mjs`: uploaders/cliFloor.ts (the floor as a command on effect's CLI), bundled, minified,
 *   split and started the same way.
 *
 * @module
 */
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { writeFile } from "node:fs/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** The compiled entry points. */
export interface Built {
  readonly child: string
  readonly rusage: string
  readonly cli: string
  readonly floor: string
  readonly cliFloor: string
}

/** Builds everything into `outDir`. */
export const buildAll = async (outDir: string): Promise<Built> => {
  const common = {
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    logLevel: "warning",
    // One tsconfig for every file: the repository's root one maps @x-media/* to the sources, so the
    // packages' dist files (which import @x-media/core) would bring a second copy of core, whose
    // classes (credentials) the first copy does not recognize.
    tsconfig: here("./tsconfig.json")
  } as const
  await build({
    ...common,
    entryPoints: [here("./child.ts"), here("./rusage.ts")],
    outdir: outDir,
    splitting: true,
    outExtension: { ".js": ".mjs" },
    external: ["effect", "effect/*", "@effect/*", "undici", "undici/*", "twitter-api-v2"]
  })
  // The floors: bundled with effect, minified and split as the CLI's bundle is, each started by a launcher
  // that turns Node's compile cache on as the CLI's does.
  const bundled = async (name: string, entry: string) => {
    await build({
      ...common,
      entryPoints: { [name]: here(entry) },
      outdir: Path.join(outDir, name),
      splitting: true,
      minify: true,
      outExtension: { ".js": ".mjs" },
      external: ["twitter-api-v2"],
      banner: { js: "import { createRequire as __r } from \"node:module\"; const require = __r(import.meta.url);" }
    })
    const launcher = Path.join(outDir, `${name}.mjs`)
    await writeFile(
      launcher,
      `import { enableCompileCache } from "node:module"\nenableCompileCache()\nawait import("./${name}/${name}.mjs")\n`
    )
    return launcher
  }
  const floor = await bundled("floor", "./child.ts")
  const cliFloor = await bundled("cli-floor", "./uploaders/cliFloor.ts")
  const packages = spawnSync("npm", ["run", "build"], { cwd: here(".."), stdio: ["ignore", "ignore", "inherit"] })
  if (packages.status !== 0) throw new Error("npm run build failed")
  return {
    child: Path.join(outDir, "child.mjs"),
    rusage: Path.join(outDir, "rusage.mjs"),
    cli: here("../packages/node/bin/x-media.cjs"),
    floor,
    cliFloor
  }
}
