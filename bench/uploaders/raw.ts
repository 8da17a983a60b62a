/**
 * The raw baseline: the least an uploader can do, directly on node:http, in either dialect and either
 * auth scheme. INIT, APPEND as multipart with each segment read at its offset into one reusable buffer per
 * worker, `concurrency` workers on a keep-alive agent, FINALIZE, STATUS only while processing is reported.
 * No retries, no validation: the practical ceiling for any library on the same server.
 *
 * @module
 */
import { open } from "node:fs/promises"
import * as Http from "node:http"
import { setTimeout as sleep } from "node:timers/promises"
import type { Job } from "../job.ts"
import { authorization } from "../oauth1.ts"

interface Reply {
  readonly status: number
  readonly text: string
}

type Params = ReadonlyArray<readonly [string, string]>

const send = (
  agent: Http.Agent,
  url: URL,
  method: string,
  headers: Http.OutgoingHttpHeaders,
  body: ReadonlyArray<Uint8Array>
) =>
  new Promise<Reply>((resolve, reject) => {
    let length = 0
    for (const part of body) length += part.byteLength
    const request = Http.request(
      url,
      { method, agent, headers: { ...headers, "content-length": length } },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("error", reject)
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          const status = response.statusCode ?? 0
          if (status < 200 || status > 299) {
            reject(new Error(`${method} ${url.pathname} answered ${status}: ${text.slice(0, 300)}`))
          } else resolve({ status, text })
        })
      }
    )
    request.on("error", reject)
    for (const part of body) request.write(part)
    request.end()
  })

/** The media object of an answer: v2 wraps it in `data`, v1.1 does not. */
export const mediaOf = (
  text: string
): { id?: string; media_id_string?: string; processing_info?: { state: string; check_after_secs?: number } } => {
  const parsed = JSON.parse(text)
  return parsed.data ?? parsed
}

/** Uploads `job.path` and returns the media id. */
export const uploadRaw = async (job: Job): Promise<{ readonly mediaId: string }> => {
  const agent = new Http.Agent({ keepAlive: true, maxSockets: job.concurrency })
  const v1 = job.dialect === "v1"
  const headersFor = (method: string, url: URL, params: Params = []): Http.OutgoingHttpHeaders => ({
    authorization: job.auth === "oauth2"
      ? `Bearer ${job.credentials.oauth2Token}`
      : authorization(job.credentials, method, `${url.origin}${url.pathname}`, params)
  })
  const form = (url: URL, params: Params) => {
    const body = Buffer.from(new URLSearchParams(params.map(([k, v]) => [k, v])).toString())
    return send(agent, url, "POST", {
      ...headersFor("POST", url, params),
      "content-type": "application/x-www-form-urlencoded"
    }, [body])
  }
  const v1Url = new URL("/1.1/media/upload.json", job.baseUrl)
  const file = await open(job.path, "r")
  try {
    const init = v1
      ? await form(v1Url, [["command", "INIT"], ["total_bytes", String(job.bytes)], ["media_type", job.mediaType], [
        "media_category",
        job.category
      ]])
      : await (() => {
        const url = new URL("/2/media/upload/initialize", job.baseUrl)
        const body = Buffer.from(
          JSON.stringify({ media_type: job.mediaType, total_bytes: job.bytes, media_category: job.category })
        )
        return send(agent, url, "POST", { ...headersFor("POST", url), "content-type": "application/json" }, [body])
      })()
    const initMedia = mediaOf(init.text)
    const mediaId = (v1 ? initMedia.media_id_string : initMedia.id) ?? ""
    if (mediaId === "") throw new Error(`INIT answered without an id: ${init.text.slice(0, 300)}`)

    const appendUrl = v1 ? v1Url : new URL(`/2/media/upload/${mediaId}/append`, job.baseUrl)
    const boundary = `----xmediabench${Math.random().toString(16).slice(2)}`
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    const suffix = Buffer.from(`\r\n--${boundary}--\r\n`)
    const segments = Math.ceil(job.bytes / job.chunkSize)
    let next = 0
    const worker = async () => {
      const buffer = Buffer.allocUnsafe(Math.min(job.chunkSize, job.bytes))
      while (next < segments) {
        const index = next++
        const offset = index * job.chunkSize
        const length = Math.min(job.chunkSize, job.bytes - offset)
        for (let filled = 0; filled < length;) {
          const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled)
          if (bytesRead === 0) throw new Error(`the file ended at ${offset + filled} bytes`)
          filled += bytesRead
        }
        const prefix = Buffer.from(
          (v1 ? field("command", "APPEND") + field("media_id", mediaId) : "") + field("segment_index", String(index)) +
            `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n`
        )
        const headers = {
          ...headersFor("POST", appendUrl),
          "content-type": `multipart/form-data; boundary=${boundary}`
        }
        await send(agent, appendUrl, "POST", headers, [prefix, buffer.subarray(0, length), suffix])
      }
    }
    await Promise.all(Array.from({ length: Math.min(job.concurrency, segments) }, worker))

    const finalizeUrl = new URL(`/2/media/upload/${mediaId}/finalize`, job.baseUrl)
    let answer = v1
      ? await form(v1Url, [["command", "FINALIZE"], ["media_id", mediaId]])
      : await send(agent, finalizeUrl, "POST", headersFor("POST", finalizeUrl), [])
    for (let info = mediaOf(answer.text).processing_info; info !== undefined && info.state !== "succeeded";) {
      if (info.state === "failed") throw new Error(`processing failed: ${answer.text.slice(0, 300)}`)
      await sleep((info.check_after_secs ?? 1) * 1000)
      const params: Params = [["command", "STATUS"], ["media_id", mediaId]]
      const url = new URL(v1 ? "/1.1/media/upload.json" : "/2/media/upload", job.baseUrl)
      url.search = new URLSearchParams(params.map(([k, v]) => [k, v])).toString()
      answer = await send(agent, url, "GET", headersFor("GET", url, params), [])
      info = mediaOf(answer.text).processing_info
    }
    return { mediaId }
  } finally {
    await file.close()
    agent.destroy()
  }
}
