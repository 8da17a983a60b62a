/**
 * A library uploading process: runs one {@link Job} (JSON in argv[2]) with one uploader and prints a
 * {@link ChildReport} as its last stdout line. Only the chosen uploader's modules are loaded (the raw
 * baseline never loads Effect), so the process's peak RSS is that uploader's alone.
 *
 * @module
 */
import type { ChildReport, Job } from "./job.ts"
import { goMessage, readyMessage } from "./job.ts"

type Upload = (job: Job) => Promise<{ readonly mediaId: string }>

const load = async (job: Job): Promise<Upload> => {
  switch (job.uploader) {
    case "raw":
      return (await import("./uploaders/raw.ts")).uploadRaw
    case "effect-floor":
      return (await import("./uploaders/effectFloor.ts")).uploadEffectFloor
    case "xmedia":
      return (await import("./uploaders/xmedia.ts")).uploadXMedia
    case "tapi-v1":
      return (await import("./uploaders/twitterApiV2.ts")).uploadTwitterApiV1
    case "tapi-v2":
      return (await import("./uploaders/twitterApiV2.ts")).uploadTwitterApiV2
    case "cli":
    case "cli-floor":
      throw new Error("the commands run as their own processes")
  }
}

/** Tells the orchestrator the warm-up is over and waits until it has reset the emulator. */
const handshake = () =>
  new Promise<void>((resolve) => {
    if (process.send === undefined) return resolve()
    process.once("message", (message) => message === goMessage && resolve())
    process.send(readyMessage)
  })

const main = async (): Promise<ChildReport> => {
  const job: Job = JSON.parse(process.argv[2] ?? "")
  const upload = await load(job)
  // The warm-up file is a video, whatever the measured one is.
  if (job.warmup !== undefined) await upload({ ...job, ...job.warmup, mediaType: "video/mp4", category: "tweet_video" })
  await handshake()
  const rssAfter: Array<number> = []
  const cpuBefore = process.cpuUsage()
  let mediaId = ""
  let uploadMs = 0
  for (let i = 0; i < (job.repeat ?? 1); i++) {
    const started = performance.now()
    mediaId = (await upload(job)).mediaId
    uploadMs = performance.now() - started
    if (job.repeat !== undefined) {
      globalThis.gc?.()
      rssAfter.push(process.memoryUsage.rss())
    }
  }
  const cpu = process.cpuUsage(cpuBefore)
  return { mediaId, uploadMs, uploadCpuMs: (cpu.user + cpu.system) / 1000, rssAfter }
}

main().then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`)
    process.exit(0)
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  }
)
