/**
 * A null server for the v2 upload protocol on node:http: answers INIT with a fresh id, drains every APPEND
 * body without parsing it and answers 204, and answers FINALIZE as ready. It does almost no work per byte,
 * so uploads against it show what the uploader and the loopback transport can do when the emulator (which
 * parses multipart, spills segments to disk and hashes them) is out of the way.
 *
 * @module
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** Request counts per step, and the bytes of APPEND bodies received. */
export interface SinkCounts {
  readonly INIT: number
  readonly APPEND: number
  readonly FINALIZE: number
  readonly STATUS: number
  readonly appendBodyBytes: number
}

/** A running sink. */
export interface Sink {
  readonly url: string
  counts(): SinkCounts
  reset(): void
  close(): Promise<void>
}

const json = (response: Http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  response.end(text)
}

/** Starts the sink on 127.0.0.1 (a free port). */
export const startSink = async (): Promise<Sink> => {
  let counts = { INIT: 0, APPEND: 0, FINALIZE: 0, STATUS: 0, appendBodyBytes: 0 }
  let nextId = 1_900_000_000_000_000_000n
  const totals = new Map<string, number>()
  const server = Http.createServer({ requestTimeout: 0 }, (request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/"
    const append = /^\/2\/media\/upload\/(\d+)\/append$/.exec(path)
    const finalize = /^\/2\/media\/upload\/(\d+)\/finalize$/.exec(path)
    let bodyBytes = 0
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => {
      bodyBytes += chunk.length
      if (append === null) chunks.push(chunk)
    })
    request.on("end", () => {
      if (request.method === "POST" && path === "/2/media/upload/initialize") {
        counts.INIT += 1
        const id = String(nextId++)
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")
        const total = typeof parsed === "object" && parsed !== null && "total_bytes" in parsed && typeof parsed.total_bytes === "number"
          ? parsed.total_bytes
          : 0
        totals.set(id, total)
        return json(response, 200, { data: { id, media_key: `7_${id}`, expires_after_secs: 86_400 } })
      }
      if (request.method === "POST" && append !== null) {
        counts.APPEND += 1
        counts.appendBodyBytes += bodyBytes
        response.writeHead(204)
        return response.end()
      }
      if (request.method === "POST" && finalize !== null) {
        counts.FINALIZE += 1
        const id = finalize[1] ?? ""
        return json(response, 200, {
          data: { id, media_key: `7_${id}`, size: totals.get(id) ?? 0, expires_after_secs: 86_400, video: { video_type: "video/mp4" } }
        })
      }
      if (request.method === "GET" && path === "/2/media/upload") counts.STATUS += 1
      json(response, 404, { title: "Not Found", detail: `sink: no route for ${request.method} ${path}` })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const address: AddressInfo | string | null = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = { INIT: 0, APPEND: 0, FINALIZE: 0, STATUS: 0, appendBodyBytes: 0 }
      totals.clear()
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
