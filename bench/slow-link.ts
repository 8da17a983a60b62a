/**
 * A slow uplink, as issue #16 met it: a 10 MB video uploaded with the default options (4 MiB segments, 4 in
 * flight, 60 s idle timeout) through one shared link of 100 KB/s (the emulator's throttle: request bodies,
 * all connections together, are read no faster than that, so the kernel's socket buffers fill and the
 * client's writes stall as on a real slow link). Prints what happened over time and how it ended.
 *
 * ```sh
 * npx tsx bench/slow-link.ts                                   # 10 MB at 100 KB/s, defaults
 * npx tsx bench/slow-link.ts --size 4000000 --rate 50000       # other sizes and rates
 * npx tsx bench/slow-link.ts --timeout 20                      # another idle timeout (seconds)
 * ```
 *
 * It is not part of `npm test` (the default case takes about two minutes at best: 10 MB / 100 KB/s).
 *
 * @module
 */
import { Credentials, MediaSource, type Progress, Upload } from "@x-media/core"
import { startEmulator } from "@x-media/emulator"
import { NodeXMedia } from "@x-media/node"
import { Duration, Effect, Exit } from "effect"
import { createHash, randomFillSync } from "node:crypto"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { parseArgs } from "node:util"
import { ftypBox } from "./files.ts"

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "10000000" },
    rate: { type: "string", default: "100000" },
    timeout: { type: "string" },
    verbose: { type: "boolean", default: false }
  }
})
const size = Number(values.size)
const bytesPerSecond = Number(values.rate)
const idleTimeout = values.timeout === undefined ? undefined : Duration.seconds(Number(values.timeout))

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`

/** One line per event that says something about pacing (every SegmentSent is one line too). */
const describe = (event: Progress.UploadEvent): string | undefined => {
  switch (event._tag) {
    case "Initialized":
      return `Initialized ${event.mediaId}`
    case "SegmentSent":
      return `SegmentSent ${event.segmentIndex} (${event.segmentBytes} bytes), ${event.segmentsSent} of ${event.segmentCount}`
    case "Retrying":
      return `Retrying ${event.step} ${
        event.segmentIndex ?? ""
      } (attempt ${event.attempt} of ${event.maxAttempts}): ${event.reason}`
    case "Finalized":
    case "Ready":
      return event._tag
    default:
      // Events this version of the library may not have (the pacing event) are shown as they are.
      return event._tag === "Planned" || event._tag === "ProcessingUpdate" ? undefined : JSON.stringify(event)
  }
}

const main = async () => {
  const dir = await mkdtemp(Path.join(tmpdir(), "x-media-slow-link-"))
  const file = Path.join(dir, "video.mp4")
  const bytes = randomFillSync(new Uint8Array(size))
  bytes.set(ftypBox())
  await writeFile(file, bytes)
  const sha256 = createHash("sha256").update(bytes).digest("hex")
  const emulator = await startEmulator({ processing: { enabled: false }, throttle: { bytesPerSecond } })
  console.log(
    `${size} bytes over ${bytesPerSecond} B/s, default chunk size and concurrency, idle timeout ${
      idleTimeout === undefined ? "default" : Duration.format(idleTimeout)
    }` +
      ` (the link alone needs ${seconds((size * 1000) / bytesPerSecond)})`
  )
  const started = Date.now()
  const log = (line: string) => console.log(`${seconds(Date.now() - started).padStart(8)}  ${line}`)
  const c = emulator.credentials
  const exit = await Upload.upload(MediaSource.fromFile(file), {
    onProgress: (event) =>
      Effect.sync(() => {
        const line = describe(event)
        if (line !== undefined) log(line)
      })
  }).pipe(
    Effect.provide(NodeXMedia.layer({
      credentials: Credentials.oauth1({
        consumerKey: c.consumerKey,
        consumerSecret: c.consumerSecret,
        accessToken: c.accessToken,
        accessTokenSecret: c.accessTokenSecret
      }),
      baseUrl: emulator.url,
      budget: false,
      ...(idleTimeout === undefined ? {} : { idleTimeout })
    })),
    Effect.runPromiseExit
  )
  const elapsed = Date.now() - started
  if (values.verbose === true) {
    for (const r of emulator.requests()) {
      const end = r.endedAt === undefined ? "in flight" : seconds(r.endedAt - started)
      console.log(
        `  ${r.step ?? r.path} ${r.segmentIndex ?? ""}: ${
          seconds(r.startedAt - started)
        } → ${end}, ${r.bodyBytes} bytes read, ${r.dropped ? "dropped" : `status ${r.status}`}`
      )
    }
  }
  const appends = emulator.requests().filter((r) => r.step === "APPEND" || r.path.endsWith("/append"))
  const answered = appends.filter((r) => r.status !== undefined && r.status < 300)
  const receivedBytes = appends.reduce((n, r) => n + r.bodyBytes, 0)
  const outcome = Exit.isSuccess(exit)
    ? `succeeded (${exit.value.mediaId}, ${exit.value.size} bytes, ${
      emulator.media(exit.value.mediaId)?.sha256 === sha256 ? "bytes intact" : "BYTES DIFFER"
    })`
    : `failed: ${Exit.isFailure(exit) ? String(exit.cause) : ""}`
  console.log(`\n${outcome}`)
  console.log(
    `after ${seconds(elapsed)}: ${appends.length} APPENDs sent, ${answered.length} answered 2xx, ` +
      `${(receivedBytes / 1e6).toFixed(1)} MB of APPEND bodies read by the server ` +
      `(${(size / 1e6).toFixed(1)} MB needed)${
        Exit.isSuccess(exit) ? `, effective ${(size / elapsed).toFixed(0)} kB/s of ${bytesPerSecond / 1000}` : ""
      }`
  )
  await emulator.close()
  await rm(dir, { recursive: true, force: true })
}

void main()
