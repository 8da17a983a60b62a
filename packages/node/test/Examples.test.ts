import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * Runs an example the way the README says (`npx tsx examples/<name>.ts`), with no X credentials.
 * Asynchronously, so the examples (which mostly wait for the emulator's processing) run side by side.
 */
const runExample = (name: string): Promise<{ status: number | null; stdout: string; stderr: string }> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("X_")) env[key] = value
  }
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", `examples/${name}.ts`], {
      cwd: root,
      env,
      encoding: "utf8",
      timeout: 60_000
    }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === "number" ? error.code : null
      resolve({ status, stdout, stderr })
    })
  })
}

const exampleTimeout = 90_000

describe.concurrent("examples run against the embedded emulator", () => {
  it("upload-file prints a media id", async () => {
    const run = await runExample("upload-file")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout.trim()).toMatch(/^\d{19}$/)
  }, exampleTimeout)

  it("finalize-status walks INIT, APPEND, FINALIZE and STATUS to ready in v1.1", async () => {
    const run = await runExample("finalize-status")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/INIT {6}media \d{19}/)
    expect(run.stdout).toMatch(/FINALIZE {2}pending, check again after 1 s/)
    expect(run.stdout).toMatch(/STATUS {4}in_progress/)
    expect(run.stdout).toMatch(/ready {5}media \d{19} \(video\/mp4\)/)
  }, exampleTimeout)

  it("progress reports every phase", async () => {
    const run = await runExample("progress")
    expect(run.status, run.stderr).toBe(0)
    for (const phase of ["planned", "initialized", "sent", "finalized", "processing", "ready"]) {
      expect(run.stdout).toContain(phase)
    }
    expect(run.stdout).toContain("3076/3076 bytes")
  }, exampleTimeout)

  it("compose-layers runs the upload inside the application's own service", async () => {
    const run = await runExample("compose-layers")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/audit: .*sample\.png -> \d{19} \(tweet_image/)
    expect(run.stdout).toMatch(/audit: .*sample\.gif -> \d{19} \(tweet_gif/)
  }, exampleTimeout)

  it("traced-upload prints the upload's spans as a tree", async () => {
    const run = await runExample("traced-upload")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^x-media\/Upload\.upload [\d.]+ ms .*segment_count=4/m)
    expect(run.stdout).toMatch(/^ {2}x-media\/MediaClient\.append .*segment_index=3/m)
    expect(run.stdout).toMatch(/^ {6}x-media\/XClient\.attempt .*step=APPEND attempt=1 status=2\d\d/m)
    expect(run.stdout).toMatch(/^ {4}x-media\/MediaClient\.status .*state=succeeded/m)
  }, exampleTimeout)

  it("oauth uploads with both schemes and refuses OAuth 2.0 on v1.1 before any request", async () => {
    const run = await runExample("oauth")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout.match(/uploaded \d{19}/g)).toHaveLength(3)
    expect(run.stdout).toContain("OAuth 2.0,  v1.1: AuthUnsupported")
  }, exampleTimeout)

  it("post publishes a video with subtitles, then a reply with two images", async () => {
    const run = await runExample("post")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^video post \d{19}: media \d{19}, subtitles EN$/m)
    expect(run.stdout).toMatch(/^reply post \d{19}: media \d{19}, \d{19}$/m)
  }, exampleTimeout)
})
