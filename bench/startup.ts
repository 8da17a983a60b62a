/**
 * How the `x-media` bin starts, and what that costs an upload: the numbers of bench/STARTUP.md.
 *
 * 1. `x-media --help`, wall time and peak RSS of the whole process, for the forms the bin could take:
 *    the compiled module tree (packages/node/dist/bin.js), the one bundled file (dist/x-media.js), both
 *    with Node's compile cache, the installed bin (the launcher bin/x-media.cjs, which enables the cache and
 *    imports the bundle), and the start as of issue #12 (`npx tsx` over the sources).
 * 2. A 256 MiB upload to the emulator (v2, OAuth 2.0, the CLI's defaults) by the installed bin and by the
 *    compiled tree, against the raw node:http uploader (bench/uploaders/raw.ts) in the same run: whole
 *    process wall time (start-up included) and peak RSS.
 *
 * Variants run interleaved, round after round, so that a load change on the machine hits all of them.
 * Peak RSS comes from GNU time (`/usr/bin/time -f`), so this runs on Linux. Builds first (`npm run build`).
 *
 * Run: `npm run bench:startup [-- --runs 11 --upload-runs 3 --size 256]`
 *
 * @module
 */
import { startEmulator } from "@x-media/emulator"
import { build } from "esbuild"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { ensureFiles, MiB } from "./files.ts"
import type { Job } from "./job.ts"

const root = fileURLToPath(new URL("../", import.meta.url))
const dataDir = Path.join(root, "bench/.data")
const node = process.execPath

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "11" },
    "upload-runs": { type: "string", default: "3" },
    size: { type: "string", default: "256" },
    "skip-upload": { type: "boolean", default: false }
  }
})
const runs = Number(values.runs)
const uploadRuns = Number(values["upload-runs"])
const sizeMiB = Number(values.size)

/** One process run: wall time, CPU time (user + system) and peak RSS. */
interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
  readonly rssMB: number
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `command` under GNU time, asynchronously: the emulator serving the uploads lives in this process. */
const run = (command: ReadonlyArray<string>, env: Record<string, string | undefined> = {}): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn("/usr/bin/time", ["-f", "XMEDIA_TIME %U %S %M", ...command], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    child.on("error", reject)
    child.on("close", (status) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      const line = stderr.split("\n").find((l) => l.startsWith("XMEDIA_TIME ")) ?? "XMEDIA_TIME 0 0 0"
      const [user = "0", system = "0", rssKiB = "0"] = line.split(" ").slice(1)
      resolve({
        wallMs,
        cpuMs: (Number(user) + Number(system)) * 1000,
        rssMB: Number(rssKiB) / 1024,
        status,
        stdout,
        stderr: stderr.split("\n").filter((l) => !l.startsWith("XMEDIA_TIME ")).join("\n")
      })
    })
  })

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] ?? 0 : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Runs every variant `rounds` times, interleaved; fails loudly on a run that did not succeed. */
const measure = async <K extends string>(
  rounds: number,
  variants: Record<K, () => Promise<Sample>>,
  check: (name: K, sample: Sample) => void = () => {}
): Promise<Record<K, Array<Sample>>> => {
  const names = Object.keys(variants) as Array<K>
  const samples = Object.fromEntries(names.map((name) => [name, [] as Array<Sample>])) as Record<K, Array<Sample>>
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const sample = await variants[name]()
      if (sample.status !== 0) throw new Error(`${name} exited ${sample.status}: ${sample.stderr.slice(0, 500)}`)
      check(name, sample)
      samples[name].push(sample)
    }
    process.stderr.write(`round ${round + 1}/${rounds}\n`)
  }
  return samples
}

const loadAverage = (): string => {
  const result = spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" })
  return result.stdout.split(" ").slice(0, 3).join(" ")
}

// --- build ------------------------------------------------------------------------------------------
const built = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] })
if (built.status !== 0) throw new Error("npm run build failed")
const tree = Path.join(root, "packages/node/dist/bin.js")
const bundle = Path.join(root, "packages/node/dist/x-media.js")
const bin = Path.join(root, "packages/node/bin/x-media.cjs")
for (const file of [tree, bundle, bin]) if (!existsSync(file)) throw new Error(`${file} is missing after the build`)

const scratch = Path.join(dataDir, "startup")
rmSync(scratch, { recursive: true, force: true })
mkdirSync(scratch, { recursive: true })
const cacheTree = Path.join(scratch, "cache-tree")
const cacheBundle = Path.join(scratch, "cache-bundle")
const cacheBin = Path.join(scratch, "cache-bin")
// The raw baseline, compiled to plain JavaScript like the CLI: no loader in its memory or CPU time.
const rawRunner = Path.join(scratch, "raw.mjs")
await build({
  stdin: {
    contents: `import { uploadRaw } from ${JSON.stringify(Path.join(root, "bench/uploaders/raw.ts"))}
const job = JSON.parse(process.argv[2])
const outcome = await uploadRaw(job)
process.stdout.write(outcome.mediaId + "\\n")`,
    resolveDir: scratch,
    loader: "ts"
  },
  outfile: rawRunner,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  logLevel: "warning"
})

const report: Array<string> = []
const say = (line: string) => {
  report.push(line)
  process.stdout.write(`${line}\n`)
}
say(
  `node ${process.version}, ${
    spawnSync("nproc", { encoding: "utf8" }).stdout.trim()
  } cores, load average ${loadAverage()} before`
)

// --- x-media --help -----------------------------------------------------------------------------------
const help = await measure(runs, {
  "tree": () => run([node, tree, "--help"], { NODE_DISABLE_COMPILE_CACHE: "1" }),
  "tree + compile cache": () => run([node, tree, "--help"], { NODE_COMPILE_CACHE: cacheTree }),
  "bundle": () => run([node, bundle, "--help"], { NODE_DISABLE_COMPILE_CACHE: "1" }),
  "bundle + compile cache": () => run([node, bundle, "--help"], { NODE_COMPILE_CACHE: cacheBundle }),
  "installed bin (launcher + bundle + cache)": () => run([node, bin, "--help"], { NODE_COMPILE_CACHE: cacheBin }),
  "as of #12: npx tsx src/bin.ts": () => run(["npx", "tsx", "packages/node/src/bin.ts", "--help"])
}, (name, sample) => {
  if (!sample.stdout.includes("USAGE")) throw new Error(`${name} printed no help: ${sample.stdout.slice(0, 200)}`)
})
say("")
say(`x-media --help, ${runs} runs each, interleaved (load average ${loadAverage()} after):`)
say("")
say("| form | median wall | median CPU (user+sys) | peak RSS, median (max) |")
say("|---|---|---|---|")
for (const [name, samples] of Object.entries(help)) {
  say(
    `| ${name} | ${(median(samples.map((s) => s.wallMs)) / 1000).toFixed(3)} s | ${
      (median(samples.map((s) => s.cpuMs)) / 1000).toFixed(3)
    } s | ${median(samples.map((s) => s.rssMB)).toFixed(1)} MB (${
      Math.max(...samples.map((s) => s.rssMB)).toFixed(1)
    } MB) |`
  )
}

// --- 256 MiB upload -----------------------------------------------------------------------------------
if (!values["skip-upload"]) {
  const [file] = await ensureFiles(dataDir, [sizeMiB])
  if (file === undefined) throw new Error("no input file")
  const spillDir = existsSync("/dev/shm") ? "/dev/shm" : undefined
  const emulator = await startEmulator({
    processing: { enabled: false },
    ...(spillDir === undefined ? {} : { spillDir })
  })
  try {
    const cliEnv = {
      X_MEDIA_BASE_URL: emulator.url,
      X_OAUTH2_ACCESS_TOKEN: emulator.credentials.oauth2Token,
      X_MEDIA_API: "v2"
    }
    const job: Job = {
      uploader: "raw",
      dialect: "v2",
      auth: "oauth2",
      mediaType: file.mediaType,
      category: file.category,
      baseUrl: emulator.url,
      path: file.path,
      bytes: file.bytes,
      chunkSize: 4 * MiB,
      concurrency: 4,
      credentials: emulator.credentials
    }
    const upload = await measure(uploadRuns, {
      "raw node:http (bench/uploaders/raw.ts)": () => {
        emulator.reset()
        return run([node, rawRunner, JSON.stringify(job)])
      },
      "installed bin (launcher + bundle)": () => {
        emulator.reset()
        return run([node, bin, "upload", file.path, "--json"], { ...cliEnv, NODE_COMPILE_CACHE: cacheBin })
      },
      "compiled tree (dist/bin.js)": () => {
        emulator.reset()
        return run([node, tree, "upload", file.path, "--json"], { ...cliEnv, NODE_COMPILE_CACHE: cacheTree })
      }
    }, (name, sample) => {
      const media = emulator.allMedia()[0]
      if (media === undefined || media.receivedBytes !== file.bytes) {
        throw new Error(`${name}: the emulator did not receive all ${file.bytes} bytes`)
      }
      if (!/\d{10,}/.test(sample.stdout)) throw new Error(`${name} printed no media id: ${sample.stdout.slice(0, 200)}`)
    })
    const rawMBps = file.bytes / 1e6 /
      (median(upload["raw node:http (bench/uploaders/raw.ts)"].map((s) => s.wallMs)) / 1000)
    say("")
    say(
      `${sizeMiB} MiB upload to the emulator (v2, OAuth 2.0 for the CLI, 4 MiB × 4 defaults), ${uploadRuns} runs each, interleaved, whole-process wall (load average ${loadAverage()} after):`
    )
    say("")
    say("| uploader | median wall | throughput | of raw | peak RSS, median (max) |")
    say("|---|---|---|---|---|")
    for (const [name, samples] of Object.entries(upload)) {
      const wall = median(samples.map((s) => s.wallMs)) / 1000
      const mbps = file.bytes / 1e6 / wall
      say(
        `| ${name} | ${wall.toFixed(2)} s | ${mbps.toFixed(0)} MB/s | ${(mbps / rawMBps).toFixed(2)} | ${
          median(samples.map((s) => s.rssMB)).toFixed(0)
        } MB (${Math.max(...samples.map((s) => s.rssMB)).toFixed(0)} MB) |`
      )
    }
  } finally {
    await emulator.close()
  }
}

writeFileSync(Path.join(scratch, "report.md"), `${report.join("\n")}\n`)
