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

// Chunks of an earlier build would otherwise be packed too.
await rm(Path.resolve(`dist/${name}-chunks`), { recursive: true, force: true })

await build({
  entryPoints: { [name]: Path.resolve("dist/bin.js") },
  outdir: Path.resolve("dist"),
  // What a command imports with import() (the x-media subcommands' handlers) goes into chunks of its own,
  // in dist/<name>-chunks/, so that `--help` parses and evaluates only the command tree.
  splitting: true,
  entryNames: "[name]",
  chunkNames: `${name}-chunks/[name]-[hash]`,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  // Minified names, not kept: esbuild's keepNames wraps every function in a naming call at load, which
  // cost `x-media --help` ~20 ms of CPU and ~7 MB of memory and a 512 MiB upload ~3 MB of peak RSS
  // (bench/RESULTS.md). A defect reported with X_MEDIA_DEBUG=1 is still traced by its effect spans.
  keepNames: false,
  legalComments: "none",
  // The fleet (PostgreSQL, Redis, effect/cluster) loads only for its commands, from node_modules, where
  // it is installed: it stays out of the file every other command parses.
  external: ["@x-media/fleet"],
  // Bundled CommonJS dependencies (undici, ws) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __xMediaRequire } from \"node:module\"; const require = __xMediaRequire(import.meta.url);" },
  plugins: [namedCommonJsReexports],
  logLevel: "warning"
})
