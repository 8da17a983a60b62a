/**
 * The raw baseline: the least a v2 uploader can do, directly on node:http. INIT (JSON), APPEND as
 * multipart (`segment_index` + `media`) with each segment read from the file at its offset into one
 * reusable buffer per worker, `concurrency` workers on a keep-alive agent, FINALIZE, and STATUS only if
 * processing is reported. Each request is signed with OAuth 1.0a. No retries, no validation: the
 * practical ceiling for any library on the same server.
 *
 * @module
 */
import * as Http from "node:http"
import { open } from "node:fs/promises"
import { setTimeout as sleep } from "node:timers/promises"
import type { Job, UploadOutcome } from "../job.ts"
import { authorization } from "../oauth1.ts"

interface Reply {
  readonly status: number
  readonly text: string
}

const send = (
  agent: Http.Agent,
  url: URL,
  method: string,
  headers: Http.OutgoingHttpHeaders,
  body: ReadonlyArray<Uint8Array>
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    let length = 0
    for (const part of body) length += part.byteLength
    const request = Http.request(url, { method, agent, headers: { ...headers, "content-length": length } }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", reject)
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }))
    })
    request.on("error", reject)
    for (const part of body) request.write(part)
    request.end()
  })

const ok = (step: string, reply: Reply): Reply => {
  if (reply.status < 200 || reply.status > 299) throw new Error(`${step} answered ${reply.status}: ${reply.text.slice(0, 300)}`)
  return reply
}

interface ProcessingInfo {
  readonly state: string
  readonly checkAfterSecs: number | undefined
}

const processingOf = (text: string): ProcessingInfo | undefined => {
  const parsed: unknown = JSON.parse(text)
  if (typeof parsed !== "object" || parsed === null || !("data" in parsed)) return undefined
  const data: unknown = parsed.data
  if (typeof data !== "object" || data === null || !("processing_info" in data)) return undefined
  const info: unknown = data.processing_info
  if (typeof info !== "object" || info === null || !("state" in info) || typeof info.state !== "string") return undefined
  const after = "check_after_secs" in info && typeof info.check_after_secs === "number" ? info.check_after_secs : undefined
  return { state: info.state, checkAfterSecs: after }
}

const mediaIdOf = (text: string): string => {
  const parsed: unknown = JSON.parse(text)
  if (typeof parsed === "object" && parsed !== null && "data" in parsed) {
    const data: unknown = parsed.data
    if (typeof data === "object" && data !== null && "id" in data && typeof data.id === "string") return data.id
  }
  throw new Error(`INIT answered without data.id: ${text.slice(0, 300)}`)
}

/** Uploads `job.path` with the v2 protocol on node:http and returns the media id. */
export const uploadRaw = async (job: Job): Promise<UploadOutcome> => {
  const agent = new Http.Agent({ keepAlive: true, maxSockets: job.concurrency })
  const sign = (method: string, url: URL, params: ReadonlyArray<readonly [string, string]> = []) =>
    authorization(job.credentials, method, `${url.origin}${url.pathname}`, params)
  const file = await open(job.path, "r")
  try {
    const initUrl = new URL("/2/media/upload/initialize", job.baseUrl)
    const initBody = Buffer.from(JSON.stringify({ media_type: "video/mp4", total_bytes: job.bytes, media_category: "tweet_video" }))
    const init = ok("INIT", await send(agent, initUrl, "POST", { "content-type": "application/json", authorization: sign("POST", initUrl) }, [initBody]))
    const mediaId = mediaIdOf(init.text)

    const appendUrl = new URL(`/2/media/upload/${mediaId}/append`, job.baseUrl)
    const boundary = `----xmediabench${Math.random().toString(16).slice(2)}`
    const suffix = Buffer.from(`\r\n--${boundary}--\r\n`)
    const segments = Math.ceil(job.bytes / job.chunkSize)
    let next = 0
    const worker = async () => {
      const buffer = Buffer.allocUnsafe(job.chunkSize)
      while (next < segments) {
        const index = next++
        const offset = index * job.chunkSize
        const length = Math.min(job.chunkSize, job.bytes - offset)
        let filled = 0
        while (filled < length) {
          const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled)
          if (bytesRead === 0) throw new Error(`the file ended at ${offset + filled} bytes`)
          filled += bytesRead
        }
        const prefix = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${index}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\n` +
            `Content-Type: application/octet-stream\r\n\r\n`
        )
        ok(
          `APPEND ${index}`,
          await send(agent, appendUrl, "POST", {
            "content-type": `multipart/form-data; boundary=${boundary}`,
            authorization: sign("POST", appendUrl)
          }, [prefix, buffer.subarray(0, length), suffix])
        )
      }
    }
    await Promise.all(Array.from({ length: Math.min(job.concurrency, segments) }, worker))

    const finalizeUrl = new URL(`/2/media/upload/${mediaId}/finalize`, job.baseUrl)
    const finalize = ok("FINALIZE", await send(agent, finalizeUrl, "POST", { authorization: sign("POST", finalizeUrl) }, []))
    let info = processingOf(finalize.text)
    while (info !== undefined && info.state !== "succeeded") {
      if (info.state === "failed") throw new Error(`processing failed: ${finalize.text.slice(0, 300)}`)
      await sleep((info.checkAfterSecs ?? 1) * 1000)
      const statusUrl = new URL("/2/media/upload", job.baseUrl)
      const params = [["command", "STATUS"], ["media_id", mediaId]] as const
      statusUrl.search = new URLSearchParams({ command: "STATUS", media_id: mediaId }).toString()
      const status = ok("STATUS", await send(agent, statusUrl, "GET", { authorization: sign("GET", statusUrl, params) }, []))
      info = processingOf(status.text)
    }
    return { mediaId }
  } finally {
    await file.close()
    agent.destroy()
  }
}
