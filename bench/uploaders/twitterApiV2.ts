/**
 * twitter-api-v2 (a devDependency of the bench only), pointed at the emulator. The library sends every
 * request with `https.request` to X's hosts (`upload.x.com/1.1/` for v1.1, `api.x.com/2/` for v2) and picks
 * the body encoding from the host name (multipart only for `upload.x.com/1.1/media/upload.json`), so the
 * URL is left alone and the connection is redirected instead: its `httpAgent` setting takes an
 * `https.Agent` whose `createConnection` opens a plain TCP connection to the emulator. The requests then
 * reach the emulator unencrypted with `Host: upload.x.com` / `api.x.com`; the emulator routes by path. The
 * OAuth 1.0a signature covers `https://upload.x.com/...`, which the emulator (seeing `http://` and that
 * host) cannot match, so these runs need the emulator's auth off.
 *
 * @module
 */
import { readFile } from "node:fs/promises"
import * as Https from "node:https"
import * as Net from "node:net"
import { TwitterApi } from "twitter-api-v2"
import type { Job } from "../job.ts"

type UploadOutcome = { readonly mediaId: string }

/** An https.Agent that speaks plain HTTP over TCP to one host and port, whatever the URL says. */
class RedirectingAgent extends Https.Agent {
  private readonly target: { readonly host: string; readonly port: number }

  constructor(target: { readonly host: string; readonly port: number }, maxSockets: number) {
    super({ keepAlive: true, maxSockets })
    this.target = target
  }

  override createConnection(): Net.Socket {
    return Net.connect({ host: this.target.host, port: this.target.port })
  }
}

const clientFor = (job: Job): { readonly client: TwitterApi; readonly agent: RedirectingAgent } => {
  const base = new URL(job.baseUrl)
  const agent = new RedirectingAgent({ host: base.hostname, port: Number(base.port) }, Math.max(job.concurrency, 1))
  const client = new TwitterApi(
    {
      appKey: job.credentials.consumerKey,
      appSecret: job.credentials.consumerSecret,
      accessToken: job.credentials.accessToken,
      accessSecret: job.credentials.accessTokenSecret
    },
    { httpAgent: agent }
  )
  return { client, agent }
}

/**
 * `client.v1.uploadMedia(path, { chunkLength, maxConcurrentUploads })`: v1.1 chunked upload, streaming
 * from the file (it infers `video/mp4` from the extension and picks `amplify_video`).
 */
export const uploadTwitterApiV1 = async (job: Job): Promise<UploadOutcome> => {
  const { client, agent } = clientFor(job)
  try {
    const mediaId = await client.v1.uploadMedia(job.path, {
      chunkLength: job.chunkSize,
      maxConcurrentUploads: job.concurrency
    })
    return { mediaId }
  } finally {
    agent.destroy()
  }
}

/**
 * `client.v2.uploadMedia(buffer, { media_type }, chunkSize)`: v2 chunked upload. It accepts only a whole
 * Buffer, so the file is read into memory first (part of the measured time and memory, as for any caller),
 * and it sends one APPEND at a time whatever the concurrency.
 */
export const uploadTwitterApiV2 = async (job: Job): Promise<UploadOutcome> => {
  const { client, agent } = clientFor(job)
  try {
    const media = await readFile(job.path)
    const mediaId = await client.v2.uploadMedia(media, { media_type: "video/mp4" }, job.chunkSize)
    return { mediaId }
  } finally {
    agent.destroy()
  }
}
