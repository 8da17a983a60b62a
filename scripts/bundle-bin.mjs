// Bundles a package's command into one file: `node ../../scripts/bundle-bin.mjs <name>`, run from the
// package's folder after tsc, turns dist/bin.js (with everything it imports: @x-media/*, effect,
// @effect/platform-node, undici, ws) into one tree-shaken, minified dist/<name>.js, which the package's
// launcher (bin/<name>.cjs) starts. One file starts in about half the CPU time of the module tree
// (bench/STARTUP.md has the numbers that decided it). The library (exports) stays the module tree, so
// applications share their one copy of effect; only the command carries its own.
import { build } from "esbuild"
import * as Path from "node:path"

const name = process.argv[2]
if (name === undefined || !/^[\w-]+$/.test(name)) {
  process.stderr.write("usage: node scripts/bundle-bin.mjs <command-name> (run from the package's folder)\n")
  process.exit(2)
}

await build({
  entryPoints: [Path.resolve("dist/bin.js")],
  outfile: Path.resolve(`dist/${name}.js`),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  // Class and function names stay, so a defect reported with X_MEDIA_DEBUG=1 names its frames.
  keepNames: true,
  legalComments: "none",
  // The fleet (PostgreSQL, Redis, effect/cluster) loads only for its commands, from node_modules, where
  // it is installed: it stays out of the file every other command parses.
  external: ["@x-media/fleet"],
  // Bundled CommonJS dependencies (undici, ws) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __xMediaRequire } from \"node:module\"; const require = __xMediaRequire(import.meta.url);" },
  logLevel: "warning"
})
