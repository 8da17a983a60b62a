// Bundles the `x-media` command (dist/bin.js, compiled by tsc, with everything it imports: @x-media/*,
// effect, @effect/platform-node, undici) into one tree-shaken, minified file, dist/x-media.js, which
// bin/x-media.cjs starts. One file parses and starts in about half the time of the module tree
// (bench/STARTUP.md has the numbers that decided it). The library (exports) stays the module tree.
import { build } from "esbuild"
import { fileURLToPath } from "node:url"

const dist = (name) => fileURLToPath(new URL(`../dist/${name}`, import.meta.url))

await build({
  entryPoints: [dist("bin.js")],
  outfile: dist("x-media.js"),
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
