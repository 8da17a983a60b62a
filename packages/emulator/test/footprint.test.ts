import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const index = fileURLToPath(new URL("../src/index.ts", import.meta.url))

// Runs in a process of its own: this one has loaded whatever vitest loads.
const script = `
const { startEmulator } = await import(${JSON.stringify(index)})
const emulator = await startEmulator()
const loaded = process.moduleLoadList.filter((name) => name.includes("undici"))
await emulator.close()
process.stdout.write(JSON.stringify(loaded))
`

describe("the emulator's footprint", () => {
  it("starts without loading Node's bundled undici (node:http is loaded as CommonJS)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script
    ])
    expect(JSON.parse(stdout)).toEqual([])
  }, 30_000)
})
