/**
 * Counts the effect run loop's steps of the CLI's upload, per extra segment: an exact number where CPU time
 * on a shared 2-core machine moves by ±15 % between runs, to see what a change to the upload's per-segment
 * path removes. `npx tsx bench/steps.ts [--sizes 8,256]`.
 *
 * It builds a readable (not minified) copy of the bundled CLI into bench/.data/steps (the package's
 * `dist/bin.js` through scripts/bundle-bin.mjs, so run `npm run build` first), adds a counter to the
 * fiber's run loop of that copy, uploads a small and a large file to an emulator, and prints the steps of
 * each upload by kind (the primitive's name and, for steps that run a function, the start of its code)
 * and the difference per segment between the two files.
 *
 * @module
 */
import { startEmulator } from "@x-media/emulator"
import { spawn, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { parseArgs } from "node:util"
import { ensureFiles } from "./files.ts"

const here = (...parts: ReadonlyArray<string>) => Path.join(import.meta.dirname, ...parts)
const root = here("..")
const outDir = here(".data", "steps")
const { values } = parseArgs({ options: { sizes: { type: "string", default: "8,256" } } })
const sizes = values.sizes.split(",").map(Number)
if (sizes.length !== 2 || sizes.some((n) => !Number.isInteger(n) || n < 1) || sizes[0]! >= sizes[1]!) {
  throw new Error("--sizes takes two sizes in MiB, the smaller first (e.g. 8,256)")
}
const chunkMiB = 4

/** A readable copy of the bundled CLI, laid out as installed (bin/, dist/, package.json). */
const buildReadable = (): string => {
  const pkg = Path.join(root, "packages", "node")
  if (!existsSync(Path.join(pkg, "dist", "bin.js"))) throw new Error("packages/node/dist is missing: npm run build")
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  for (const part of ["bin", "dist", "package.json"]) {
    cpSync(Path.join(pkg, part), Path.join(outDir, part), { recursive: true })
  }
  symlinkSync(Path.join(root, "node_modules"), Path.join(outDir, "node_modules"))
  const built = spawnSync(process.execPath, [Path.join(root, "scripts", "bundle-bin.mjs"), "x-media"], {
    cwd: outDir,
    env: { ...process.env, X_MEDIA_BUNDLE_MINIFY: "0" },
    stdio: ["ignore", "inherit", "inherit"]
  })
  if (built.status !== 0) throw new Error("bundling failed")
  return Path.join(outDir, "bin", "x-media.cjs")
}

/** Adds the counter to the run loop (effect's `FiberImpl.runLoop`, in whichever chunk esbuild put it). */
const instrument = () => {
  const chunks = Path.join(outDir, "dist", "x-media-chunks")
  const marker = "          this.currentOpCount++;\n"
  const file = readdirSync(chunks).map((name) => Path.join(chunks, name)).find((path) =>
    readFileSync(path, "utf8").includes(marker)
  )
  if (file === undefined) throw new Error("no run loop with `this.currentOpCount++` found: effect changed")
  const count = `          { const a = current && current[args]; ` +
    `const f = typeof a === "function" ? a : current && typeof current.payload === "function" ? current.payload : undefined; ` +
    `const k = ((current && current[identifier]) ?? "?") + (f ? " " + f.toString().slice(0, 100).replace(/\\s+/g, " ") : ""); ` +
    `const m = (globalThis.__xMediaSteps ??= new Map()); m.set(k, (m.get(k) ?? 0) + 1); }\n`
  writeFileSync(file, readFileSync(file, "utf8").replace(marker, marker + count))
  const preload = Path.join(outDir, "steps-report.cjs")
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(process.env.X_MEDIA_STEPS_OUT, ` +
      `JSON.stringify([...(globalThis.__xMediaSteps ?? new Map())])))\n`
  )
  return preload
}

const bin = buildReadable()
const preload = instrument()
const files = await ensureFiles(here(".data"), sizes)
const emulator = await startEmulator({ processing: { enabled: false } })
const c = emulator.credentials

/** The steps of one upload of `file`, by kind (spawned, not spawnSync: the emulator runs in this process). */
const stepsOf = async (file: string): Promise<Map<string, number>> => {
  emulator.reset()
  const out = Path.join(outDir, "steps.json")
  const child = spawn(process.execPath, ["--require", preload, bin, "upload", file, "--json"], {
    env: {
      ...process.env,
      X_API_KEY: c.consumerKey,
      X_API_SECRET: c.consumerSecret,
      X_ACCESS_TOKEN: c.accessToken,
      X_ACCESS_TOKEN_SECRET: c.accessTokenSecret,
      X_MEDIA_API: "v2",
      X_MEDIA_BASE_URL: emulator.url,
      X_MEDIA_STEPS_OUT: out
    },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
  if (code !== 0) throw new Error(`the upload of ${file} failed (${code}): ${stderr}`)
  const parsed: unknown = JSON.parse(readFileSync(out, "utf8"))
  if (!Array.isArray(parsed)) throw new Error("unreadable step counts")
  return new Map(
    parsed.flatMap((entry): Array<[string, number]> =>
      Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "number" ? [[entry[0], entry[1]]] : []
    )
  )
}

const total = (steps: Map<string, number>) => [...steps.values()].reduce((a, b) => a + b, 0)

try {
  const [small, large] = [await stepsOf(files[0]!.path), await stepsOf(files[1]!.path)]
  const extraSegments = (sizes[1]! - sizes[0]!) / chunkMiB
  const perSegment = (key: string) => ((large.get(key) ?? 0) - (small.get(key) ?? 0)) / extraSegments
  console.log(`steps of the run loop, x-media upload (v2, OAuth 1.0a, ${chunkMiB} MiB × 4 in flight):`)
  console.log(`  ${sizes[0]} MiB: ${total(small)}; ${sizes[1]} MiB: ${total(large)}`)
  console.log(`  per extra segment: ${((total(large) - total(small)) / extraSegments).toFixed(1)}`)
  console.log("per extra segment, by kind (the primitive, and the start of the code it runs):")
  const kinds = [...new Set([...small.keys(), ...large.keys()])].map((key) => [key, perSegment(key)] as const)
  for (const [key, n] of kinds.sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${n.toFixed(1).padStart(8)}  ${key.slice(0, 110)}`)
  }
} finally {
  await emulator.close()
}
