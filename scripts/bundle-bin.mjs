// Bundles a package's command into one file (plus chunks loaded on demand): `node ../../scripts/bundle-bin.mjs <name>`, run from the
// package's folder after tsc, turns dist/bin.js (with everything it imports: @x-media/*, effect,
// @effect/platform-node, undici, ws) into one tree-shaken, minified dist/<name>.js, which the package's
// launcher (bin/<name>.cjs) starts. One file starts in about half the CPU time of the module tree
// (bench/STARTUP.md has the numbers that decided it). The library (exports) stays the module tree, so
// applications share their one copy of effect; only the command carries its own.
import { build } from "esbuild"
import { readFile, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import * as Path from "node:path"

const name = process.argv[2]
if (name === undefined || !/^[\w-]+$/.test(name)) {
  process.stderr.write("usage: node scripts/bundle-bin.mjs <command-name> (run from the package's folder)\n")
  process.exit(2)
}

/**
 * With splitting, a chunk that is imported with import() exports only what esbuild can name statically,
 * and `export * from "<CommonJS module>"` names nothing: @effect/platform-node's Undici.js (import()ed by
 * its HTTP client) would export only `default`, and `new Undici.Agent()` would fail. This plugin names
 * each export of such a module, read from the CommonJS module itself at build time.
 */
const namedCommonJsReexports = {
  name: "named-commonjs-reexports",
  setup(build) {
    build.onLoad({ filter: /@effect[\\/]platform-node[\\/]dist[\\/]Undici\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8")
      const from = source.match(/export \* from "([^"]+)"/)?.[1]
      if (from === undefined) return undefined
      const names = Object.keys(createRequire(args.path)(from)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default")
      return {
        loader: "js",
        resolveDir: Path.dirname(args.path),
        contents: `import M from ${JSON.stringify(from)};\nexport default M;\n` +
          names.map((name) => `export const ${name} = M.${name};`).join("\n")
      }
    })
  }
}

/**
 * The package's own imports (package.json "imports") that name a source (`types`, ./src/….ts) and a
 * bundle (`default`, ./dist/….js): each is built as a bundle of its own, with its own copy of effect, and
 * the command loads it at run time instead of carrying it. `#emulator-runtime` is how the x-media command
 * keeps the emulator's server (effect's HTTP server, most of Schema, Stream) out of the chunks that every
 * other command loads: esbuild puts each module in one chunk with every part any command uses.
 */
const pkg = JSON.parse(await readFile(Path.resolve("package.json"), "utf8"))
const separate = Object.entries(pkg.imports ?? {}).flatMap(([specifier, target]) =>
  typeof target === "object" && /^\.\/src\/.+\.ts$/.test(target.types ?? "") && /^\.\/dist\/.+\.js$/.test(target.default ?? "")
    ? [{ specifier, entry: Path.resolve(target.types.replace(/^\.\/src\//, "dist/").replace(/\.ts$/, ".js")), outfile: Path.resolve(target.default) }]
    : []
)

// Chunks of an earlier build would otherwise be packed too.
await rm(Path.resolve(`dist/${name}-chunks`), { recursive: true, force: true })

/** What every bundle of a command is: ESM for Node 22, minified, with Node's require() for CommonJS dependencies. */
const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // X_MEDIA_BUNDLE_MINIFY=0 for a readable bundle (bench/steps.ts counts the run loop's steps in one).
  minify: process.env.X_MEDIA_BUNDLE_MINIFY !== "0",
  // Minified names, not kept: esbuild's keepNames wraps every function in a naming call at load, which
  // cost `x-media --help` ~20 ms of CPU and ~7 MB of memory and a 512 MiB upload ~3 MB of peak RSS
  // (bench/RESULTS.md). A defect reported with X_MEDIA_DEBUG=1 is still traced by its effect spans.
  keepNames: false,
  legalComments: "none",
  // Bundled CommonJS dependencies (undici, ws) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __xMediaRequire } from \"node:module\"; const require = __xMediaRequire(import.meta.url);" },
  plugins: [namedCommonJsReexports],
  logLevel: "warning"
}

await build({
  ...common,
  entryPoints: { [name]: Path.resolve("dist/bin.js") },
  outdir: Path.resolve("dist"),
  // What a command imports with import() (the x-media subcommands' handlers) goes into chunks of its own,
  // in dist/<name>-chunks/, so that `--help` parses and evaluates only the command tree.
  splitting: true,
  entryNames: "[name]",
  chunkNames: `${name}-chunks/[name]-[hash]`,
  // The fleet (PostgreSQL, Redis, effect/cluster) loads only for its commands, from node_modules, where
  // it is installed: it stays out of the file every other command parses.
  external: ["@x-media/fleet", ...separate.map((bundle) => bundle.specifier)]
})

for (const bundle of separate) {
  await build({ ...common, entryPoints: [bundle.entry], outfile: bundle.outfile })
}
