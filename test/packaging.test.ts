/**
 * The packages as a user receives them: `npm pack` each one, install the tarballs into a new project
 * outside the repository, and use them there with plain Node, the installed bins and a strict tsc.
 *
 * The consumer installs with `npm install --offline`: effect, @effect/platform-node (and what they depend
 * on), typescript and @types/node are copied into it from the repository's node_modules first, at the
 * versions the lockfile pins, so the test needs no network and no npm cache; only the tarballs are
 * what npm installs. Node itself is the one running the test (Node 22, from the `node` devDependency).
 * A second consumer adds the optional @x-media/fleet (and @effect/sql-pg and redis, copied the same
 * way), to run the installed fleet commands against a real PostgreSQL and Redis started for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type RunningEmulator, startEmulator } from "@x-media/emulator"
import { Effect, Fiber, Schedule } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { type ServersInfo, startServers, stopServers } from "../packages/fleet/test/support/Servers.ts"
import { collect, segmentsSaved } from "../packages/node/test/support/Cli.ts"

const repo = fileURLToPath(new URL("../", import.meta.url))
const node = process.execPath
const nodeBin = Path.dirname(node)
const packages = ["@x-media/core", "@x-media/emulator", "@x-media/fleet", "@x-media/node"] as const
/** The optional peer of @x-media/node for the fleet commands: not installed in the first consumer; the last tests install it. */
const notInstalled = "@x-media/fleet"
const sample = Path.join(repo, "examples/media/sample.mp4")

/** What `npm pack --json` says about one tarball. */
interface Packed {
  readonly name: string
  readonly version: string
  readonly filename: string
  readonly size: number
  readonly unpackedSize: number
  readonly files: ReadonlyArray<{ readonly path: string }>
}

const isPacked = (value: unknown): value is Packed =>
  typeof value === "object" && value !== null && "name" in value && "filename" in value && "files" in value

/** The environment of the test without X_* variables and npm's per-script settings, Node 22 first on PATH. */
const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("X_") && !key.startsWith("npm_") && key !== "NODE_OPTIONS") {
      env[key] = value
    }
  }
  return { ...env, PATH: `${nodeBin}${Path.delimiter}${env["PATH"] ?? ""}`, NO_COLOR: "1", ...extra }
}

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env = cleanEnv()): Run => {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 120_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const json = (text: string): Record<string, unknown> => {
  const lines = text.split("\n").filter((line) => line.trim() !== "")
  expect(lines, text).toHaveLength(1)
  const parsed: unknown = JSON.parse(lines[0] ?? "")
  if (typeof parsed !== "object" || parsed === null) throw new Error(`not a JSON object: ${text}`)
  return Object.fromEntries(Object.entries(parsed))
}

const readJson = (path: string): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"))
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${path} is not a JSON object`)
  return Object.fromEntries(Object.entries(parsed))
}

/** The dependency folders copied into the consumer (they are what npm would install for its package.json). */
const thirdParty = [
  "effect",
  "@effect/platform-node",
  "@effect/platform-node-shared",
  "undici",
  "ws",
  "@types/ws",
  "@types/node",
  "undici-types",
  "typescript",
  ...readdirSync(Path.join(repo, "node_modules/@typescript")).map((name) => `@typescript/${name}`)
]

const versionOf = (name: string): string => {
  const version = readJson(Path.join(repo, "node_modules", name, "package.json"))["version"]
  if (typeof version !== "string") throw new Error(`no version for ${name}`)
  return version
}

/**
 * Copies `thirdParty` from the repository's node_modules into `project`, then installs the tarballs
 * (file names in `work`/tarballs) there with `npm install --offline`.
 */
const installOffline = (project: string, thirdParty: ReadonlyArray<string>, tarballs: ReadonlyArray<string>) => {
  for (const name of thirdParty) {
    cpSync(Path.join(repo, "node_modules", name), Path.join(project, "node_modules", name), { recursive: true })
  }
  const install = run(
    "npm",
    [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--legacy-peer-deps",
      ...tarballs.map((file) => Path.join(work, "tarballs", file))
    ],
    project
  )
  if (install.status !== 0) throw new Error(`npm install of ${tarballs.join(", ")} failed: ${install.stderr}`)
}

let work = ""
let consumer = ""
let packed: ReadonlyArray<Packed> = []

beforeAll(() => {
  work = mkdtempSync(Path.join(tmpdir(), "x-media-packaging-"))
  consumer = Path.join(work, "consumer")
  const tarballs = Path.join(work, "tarballs")
  mkdirSync(tarballs)
  // prepack builds each package (core and the emulator before node, which builds against their dist/).
  const pack = run("npm", [
    "pack",
    ...packages.flatMap((name) => ["--workspace", name]),
    "--pack-destination",
    tarballs,
    "--json"
  ], repo)
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`)
  const parsed: unknown = JSON.parse(pack.stdout)
  packed = Array.isArray(parsed) ? parsed.filter(isPacked) : []

  mkdirSync(consumer)
  writeFileSync(
    Path.join(consumer, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { effect: versionOf("effect"), "@effect/platform-node": versionOf("@effect/platform-node") },
      devDependencies: { typescript: versionOf("typescript"), "@types/node": versionOf("@types/node") }
    })
  )
  installOffline(consumer, thirdParty, packed.filter((p) => p.name !== notInstalled).map((p) => p.filename))
}, 300_000)

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true })
})

describe("the packed packages", () => {
  it("hold the build, README, LICENSE and package.json, and no tests, bench or fixtures", () => {
    expect(packed.map((p) => p.name)).toEqual([...packages])
    for (const p of packed) {
      const files = p.files.map((f) => f.path)
      expect(files).toContain("package.json")
      expect(files).toContain("README.md")
      expect(files).toContain("LICENSE")
      expect(files).toContain("dist/index.js")
      expect(files).toContain("dist/index.d.ts")
      expect(files).toContain("dist/index.d.ts.map")
      for (const file of files) {
        expect(file).toMatch(
          /^(dist\/.+\.(js|js\.map|d\.ts|d\.ts\.map)|src\/.+\.ts|bin\/[\w-]+\.cjs|README\.md|LICENSE|package\.json)$/
        )
        expect(file).not.toMatch(/(^|\/)(test|tests|bench|fixtures|examples)\/|\.test\./)
      }
      // One version for the three packages, and the internal ranges follow it.
      expect(p.version).toBe(packed[0]?.version)
    }
    // One launcher for both commands (each package ships its copy).
    for (const file of ["bin/check.cjs", "bin/launch.cjs"]) {
      expect(readFileSync(Path.join(consumer, "node_modules/@x-media/node", file), "utf8"))
        .toBe(readFileSync(Path.join(consumer, "node_modules/@x-media/emulator", file), "utf8"))
    }
    const node = readJson(Path.join(consumer, "node_modules/@x-media/node/package.json"))
    expect(node["dependencies"]).toEqual({ "@x-media/emulator": packed[0]?.version })
    expect(node["peerDependencies"]).toMatchObject({ "@x-media/core": `^${packed[0]?.version}`, effect: "^4.1.0" })
    // The fleet (PostgreSQL, Redis) is an optional peer: installing @x-media/node does not pull it.
    expect(node["peerDependencies"]).toMatchObject({ [notInstalled]: `^${packed[0]?.version}` })
    expect(node["peerDependenciesMeta"]).toEqual({ [notInstalled]: { optional: true } })
    expect(existsSync(Path.join(consumer, "node_modules", notInstalled))).toBe(false)
    // The fleet's commands run the module tree, which shares the installed effect with @x-media/fleet.
    expect(packed.find((p) => p.name === "@x-media/node")?.files.map((f) => f.path)).toContain("dist/bin.js")
  })

  it("without @x-media/fleet: the fleet commands say how to install it, in one line, exit 2", () => {
    for (const args of [["fleet", "status"], ["worker"], ["upload", sample, "--durable"]]) {
      const result = run(
        "npx",
        ["x-media", ...args],
        consumer,
        cleanEnv({
          X_MEDIA_DATABASE_URL: "postgres://user@127.0.0.1:1/none",
          X_MEDIA_REDIS_URL: "redis://127.0.0.1:1",
          X_API_KEY: "key",
          X_API_SECRET: "secret",
          X_ACCESS_TOKEN: "1234-token",
          X_ACCESS_TOKEN_SECRET: "token-secret"
        })
      )
      expect(result.status, result.stderr).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr.split("\n").filter((line) => line !== ""), result.stderr).toHaveLength(1)
      expect(result.stderr).toContain(
        "Error: The fleet commands need @x-media/fleet, which is not installed: run `npm install @x-media/fleet`"
      )
    }
  })

  it("run in a plain node program: import all three, start the emulator, upload a file to it", () => {
    writeFileSync(
      Path.join(consumer, "upload.mjs"),
      `import { Credentials, MediaSource, Upload } from "@x-media/core"
import { NodeXMedia } from "@x-media/node"
import { startEmulator } from "@x-media/emulator"
import { Effect } from "effect"

const emulator = await startEmulator({ processing: { enabled: false } })
try {
  const layer = NodeXMedia.layer({ credentials: Credentials.oauth2(emulator.credentials.oauth2Token), dialect: "v2", baseUrl: emulator.url })
  const media = await Effect.runPromise(Upload.upload(MediaSource.fromFile(process.argv[2])).pipe(Effect.provide(layer)))
  console.log(JSON.stringify({ mediaId: media.mediaId, size: media.size, received: emulator.media(media.mediaId)?.receivedBytes }))
} finally {
  await emulator.close()
}
`
    )
    const result = run(node, ["upload.mjs", sample], consumer)
    expect(result.status, result.stderr).toBe(0)
    const size = readFileSync(sample).byteLength
    expect(json(result.stdout)).toMatchObject({ mediaId: expect.stringMatching(/^\d+$/), size, received: size })
  })

  it("export core's public modules one by one, and not its internal ones", () => {
    const subpath = run(node, [
      "--input-type=module",
      "-e",
      "const Upload = await import('@x-media/core/Upload'); console.log(typeof Upload.upload)"
    ], consumer)
    expect(subpath.stdout.trim(), subpath.stderr).toBe("function")
    const internal = run(node, ["--input-type=module", "-e", "await import('@x-media/core/internal/Wire')"], consumer)
    expect(internal.status).not.toBe(0)
    expect(internal.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED")
  })

  it("give a working x-media through npx: --help, and upload --emulator --json", () => {
    const help = run("npx", ["x-media", "--help"], consumer)
    expect(help.status, help.stderr).toBe(0)
    expect(help.stdout).toContain("USAGE")
    const version = run("npx", ["x-media", "--version"], consumer)
    expect(version.stdout).toContain(packed[0]?.version ?? "?")
    const upload = run("npx", ["x-media", "upload", "--emulator", sample, "--json"], consumer)
    expect(upload.status, upload.stderr).toBe(0)
    expect(json(upload.stdout)).toMatchObject({
      media_id: expect.stringMatching(/^\d+$/),
      state: "succeeded",
      size: readFileSync(sample).byteLength
    })
    const emulator = run("npx", ["x-media-emulator", "--help"], consumer)
    expect(emulator.status, emulator.stderr).toBe(0)
    expect(emulator.stdout).toContain("--port")
    expect(emulator.stdout).toContain("--no-processing")
    const emulatorVersion = run("npx", ["x-media-emulator", "--version"], consumer)
    expect(emulatorVersion.stdout).toContain(packed[0]?.version ?? "?")
  })

  it("run one-shot commands with V8's optimizing compiler off and servers with it, neither undoing the other's compile cache", () => {
    // Turbofan's compilations on V8's threads grew the CLI's peak memory with the file (bench/RESULTS.md).
    writeFileSync(
      Path.join(consumer, "turbofan.cjs"),
      `process.on("exit", () => process.stderr.write("turbofan=" + eval("%IsTurbofanEnabled()") + "\\n"))`
    )
    const bin = Path.join(consumer, "node_modules/@x-media/node/bin/x-media.cjs")
    const probe = (...args: ReadonlyArray<string>) =>
      run(node, ["--allow-natives-syntax", "--require", "./turbofan.cjs", bin, ...args], consumer)
    const upload = probe("upload", "--emulator", sample, "--json")
    expect(upload.status, upload.stderr).toBe(0)
    expect(upload.stderr).toContain("turbofan=false")
    for (const args of [["emulator", "--help"], ["worker", "--help"]]) {
      const server = probe(...args)
      expect(server.status, server.stderr).toBe(0)
      expect(server.stderr, args.join(" ")).toContain("turbofan=true")
    }
    // V8 rejects code cached under other flags: `x-media emulator` keeps a compile cache of its own.
    const tmp = mkdtempSync(Path.join(work, "tmp-"))
    const cached = (...args: ReadonlyArray<string>) =>
      run(node, [bin, ...args], consumer, cleanEnv({ TMPDIR: tmp, NODE_DEBUG_NATIVE: "COMPILE_CACHE" }))
    expect(cached("--version").stderr).toContain("writing cache")
    expect(cached("emulator", "--help").stderr).toContain("writing cache")
    for (const args of [["--version"], ["emulator", "--help"], ["upload", "--help"]]) {
      const again = cached(...args)
      expect(again.stderr, args.join(" ")).toContain("was accepted")
      expect(again.stderr, args.join(" ")).not.toContain("was rejected")
    }
  })

  it("type-check a strict TypeScript program against the installed declarations", () => {
    writeFileSync(
      Path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          types: ["node"],
          noEmit: true,
          skipLibCheck: false
        },
        files: ["program.ts"]
      })
    )
    writeFileSync(
      Path.join(consumer, "program.ts"),
      `import { Credentials, Errors, MediaSource, Upload } from "@x-media/core"
import { NodeXMedia } from "@x-media/node"
import { startEmulator, type RunningEmulator } from "@x-media/emulator"
import { Effect } from "effect"

export const upload = (emulator: RunningEmulator, path: string): Effect.Effect<string, Errors.XMediaError> =>
  Upload.upload(MediaSource.fromFile(path), { concurrency: 2 }).pipe(
    Effect.map((media) => media.mediaId),
    Effect.provide(NodeXMedia.layer({ credentials: Credentials.oauth2(emulator.credentials.oauth2Token), dialect: "v2", baseUrl: emulator.url }))
  )

export const started: Promise<RunningEmulator> = startEmulator()
`
    )
    const checked = run(Path.join(consumer, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], consumer)
    expect(checked.stdout + checked.stderr).toBe("")
    expect(checked.status).toBe(0)
    // The same program with a mistake fails: the declarations are what tsc read.
    writeFileSync(
      Path.join(consumer, "program.ts"),
      `import { Upload } from "@x-media/core"\nexport const x: number = Upload.upload\n`
    )
    const wrong = run(Path.join(consumer, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], consumer)
    expect(wrong.status).not.toBe(0)
    expect(wrong.stdout).toContain("TS2322")
  })
})

/** A Node.js older than the packages' engines: the system's, where it is old, else the running one made to report 20.20.2. */
const oldNode = (): { readonly command: ReadonlyArray<string>; readonly version: string } => {
  const system = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" })
  const version = system.status === 0 ? system.stdout.trim().replace(/^v/, "") : ""
  const [major = 99] = version.split(".").map(Number)
  return major < 22 && version !== ""
    ? { command: ["/usr/bin/node"], version }
    : {
      command: [
        node,
        "--import",
        "data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.20.2'})"
      ],
      version: "20.20.2"
    }
}

describe("the installed bins on a Node.js or an installation they cannot run on", () => {
  it("an old Node.js: one line that says which version is needed and which was found, exit 2", () => {
    const old = oldNode()
    for (const bin of ["x-media", "x-media-emulator"]) {
      const [command = node, ...args] = old.command
      const result = run(command, [...args, Path.join(consumer, "node_modules/.bin", bin), "--help"], consumer)
      expect(result.status).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr).toBe(`${bin} needs Node.js 22.19.0 or later; this is Node.js ${old.version}.\n`)
    }
    const [command = node, ...args] = old.command
    const withJson = run(command, [
      ...args,
      Path.join(consumer, "node_modules/.bin/x-media"),
      "upload",
      sample,
      "--json"
    ], consumer)
    expect(withJson.status).toBe(2)
    expect(json(withJson.stdout)).toEqual({
      error: {
        _tag: "UnsupportedNode",
        message: `x-media needs Node.js 22.19.0 or later; this is Node.js ${old.version}.`,
        required: "22.19.0",
        found: old.version
      }
    })
  })

  it("a broken installation (no dist/): one line that says what to do, exit 2", () => {
    const broken = Path.join(work, "broken")
    cpSync(Path.join(consumer, "node_modules/@x-media/node"), broken, { recursive: true })
    rmSync(Path.join(broken, "dist"), { recursive: true })
    const result = run(node, [Path.join(broken, "bin/x-media.cjs"), "upload", sample], work)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr.split("\n").filter((line) => line !== "")).toHaveLength(1)
    expect(result.stderr).toMatch(
      /^x-media: this installation of @x-media\/node is incomplete \(.*dist\/x-media\.js is missing\): reinstall @x-media\/node/
    )
    // The optional peer (the fleet) is not part of the advice.
    expect(result.stderr).toContain("with its peer dependencies (")
    expect(result.stderr).not.toContain("@x-media/fleet")
    const withJson = run(node, [Path.join(broken, "bin/x-media.cjs"), "upload", sample, "--json"], work)
    expect(json(withJson.stdout)["error"]).toMatchObject({ _tag: "BrokenInstall" })
  })

  it("from any directory, including one with a package.json of its own", () => {
    const elsewhere = Path.join(work, "elsewhere")
    mkdirSync(elsewhere)
    writeFileSync(Path.join(elsewhere, "package.json"), "{\"name\":\"elsewhere\",\"private\":true}")
    const result = run(
      Path.join(consumer, "node_modules/.bin/x-media"),
      ["upload", "--emulator", sample, "--json"],
      elsewhere
    )
    expect(result.status, result.stderr).toBe(0)
    expect(json(result.stdout)).toMatchObject({ state: "succeeded" })
  })
})

/** Children of a process (Linux /proc), to show the signalled process is the uploader itself. */
const childrenOf = (pid: number): string => {
  const path = `/proc/${pid}/task/${pid}/children`
  return existsSync(path) ? readFileSync(path, "utf8").trim() : ""
}

describe("signals sent to the installed x-media's pid", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    it.live(`${signal} aborts the upload, keeps the session file and exits ${code}`, () =>
      Effect.gen(function*() {
        const emulator: RunningEmulator = yield* Effect.acquireRelease(
          Effect.promise(() =>
            startEmulator({ processing: { enabled: false }, throttle: { bytesPerSecond: 256 * 1024 } })
          ),
          (running) => Effect.promise(() => running.close())
        )
        const dir = mkdtempSync(Path.join(work, "signal-"))
        const file = Path.join(dir, "clip.mp4")
        const bytes = new Uint8Array(64 * 4096)
        bytes.set(readFileSync(sample).subarray(0, 32))
        writeFileSync(file, bytes)
        const session = Path.join(dir, "clip.session.json")
        // The bin itself, as a shell or a supervisor starts it: `#!/usr/bin/env node` execs Node in this pid.
        const child = spawn(
          Path.join(consumer, "node_modules/.bin/x-media"),
          ["upload", file, "--chunk-size", "4096", "--concurrency", "2", "--session", session, "--json"],
          {
            cwd: dir,
            env: cleanEnv({ X_MEDIA_BASE_URL: emulator.url, X_OAUTH2_ACCESS_TOKEN: emulator.credentials.oauth2Token }),
            stdio: ["ignore", "pipe", "pipe"]
          }
        )
        const exited = yield* Effect.forkChild(collect(child))
        yield* Effect.sync(() => segmentsSaved(session)).pipe(
          Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (n) => n >= 2 }),
          Effect.timeout("30 seconds")
        )
        const pid = child.pid ?? 0
        expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toContain("x-media")
        expect(childrenOf(pid)).toBe("")
        process.kill(pid, signal)
        const end = yield* Fiber.join(exited)
        expect(end.code, end.stderr).toBe(code)
        expect(existsSync(session)).toBe(true)
        expect(json(end.stdout)["error"]).toMatchObject({ _tag: "Interrupted" })
        expect(end.stderr).not.toContain("    at ")
        const media = emulator.allMedia()[0]
        expect(media?.receivedBytes ?? 0).toBeLessThan(bytes.byteLength)
        expect(emulator.requests().filter((r) => r.step === "FINALIZE")).toEqual([])
      }))
  }
})

describe("with @x-media/fleet installed: the fleet commands of the installed bin", () => {
  let fleetConsumer = ""
  let servers: ServersInfo | undefined
  let emulator: RunningEmulator | undefined

  beforeAll(async () => {
    servers = await startServers()
    emulator = await startEmulator({ users: 1, processing: { enabled: false } })
    // The first consumer plus the optional peer, with what it depends on copied in as above.
    fleetConsumer = Path.join(work, "fleet-consumer")
    // verbatimSymlinks: node_modules/.bin's relative links must point into the copy, not the original.
    cpSync(consumer, fleetConsumer, { recursive: true, verbatimSymlinks: true })
    installOffline(
      fleetConsumer,
      ["@effect/sql-pg", "redis", ...readdirSync(Path.join(repo, "node_modules/@redis")).map((n) => `@redis/${n}`)],
      packed.filter((p) => p.name === notInstalled).map((p) => p.filename)
    )
  }, 300_000)

  afterAll(async () => {
    await emulator?.close()
    if (servers !== undefined) stopServers(servers)
  })

  it(
    "x-media worker joins the fleet, upload --durable gets its media, fleet status lists it, SIGTERM hands over and exits 143",
    async () => {
      const env = cleanEnv({
        X_MEDIA_DATABASE_URL: servers!.databaseUrl,
        X_MEDIA_REDIS_URL: servers!.redisUrl,
        X_MEDIA_BASE_URL: emulator!.url,
        X_API_KEY: emulator!.credentials.consumerKey,
        X_API_SECRET: emulator!.credentials.consumerSecret,
        X_ACCESS_TOKEN: emulator!.credentials.accessToken,
        X_ACCESS_TOKEN_SECRET: emulator!.credentials.accessTokenSecret
      })
      const worker = spawn(Path.join(fleetConsumer, "node_modules/.bin/x-media"), ["worker"], {
        cwd: fleetConsumer,
        env,
        stdio: ["ignore", "pipe", "pipe"]
      })
      const exited = Effect.runPromise(collect(worker))
      try {
        let said = ""
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the worker did not join:\n${said}`)), 60_000)
          worker.stderr.on("data", (chunk: string | Buffer) => {
            said += String(chunk)
            if (said.includes("joined the fleet")) {
              clearTimeout(timer)
              resolve()
            }
          })
          worker.once("exit", (code) => {
            clearTimeout(timer)
            reject(new Error(`the worker exited with ${code}:\n${said}`))
          })
        })
        // Not spawnSync: the emulator answering the worker runs in this process.
        const xMedia = (args: ReadonlyArray<string>) =>
          Effect.runPromise(collect(
            spawn(Path.join(fleetConsumer, "node_modules/.bin/x-media"), args, { cwd: fleetConsumer, env })
          ))
        const upload = await xMedia(["upload", sample, "--durable", "--json"])
        expect(upload.code, upload.stderr).toBe(0)
        const media = json(upload.stdout)
        expect(media).toMatchObject({ state: "succeeded", media_type: "video/mp4" })
        expect(emulator!.media(String(media["media_id"]))?.receivedBytes).toBe(readFileSync(sample).byteLength)
        const status = await xMedia(["fleet", "status", "--json"])
        expect(status.code, status.stderr).toBe(0)
        expect(json(status.stdout)["uploads"]).toMatchObject([{ media_id: media["media_id"], state: "succeeded" }])
      } finally {
        worker.kill("SIGTERM")
      }
      const end = await exited
      expect(end.code, end.stderr).toBe(143)
      expect(end.stderr).toContain("x-media worker: handing the uploads over and leaving the fleet.")
    },
    120_000
  )
})
