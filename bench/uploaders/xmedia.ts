/**
 * @x-media/core as a Node application uses it: `Upload.upload(MediaSource.fromFile(path), …)` provided with
 * @x-media/node's `NodeXMedia.layer`. The client budget is off so a long benchmark is not throttled by X's
 * per-user numbers.
 *
 * @module
 */
import { Credentials, MediaSource, SegmentPlan, Upload } from "@x-media/core"
import { NodeXMedia } from "@x-media/node"
import { Effect } from "effect"
import type { Job } from "../job.ts"

/**
 * Uploads `job.path` with @x-media/core and returns the media id. The default chunk size is left out, as
 * the CLI leaves out `--chunk-size` (a chunk size given also bounds the one request of an image).
 */
export const uploadXMedia = (job: Job): Promise<{ readonly mediaId: string }> =>
  Upload.upload(MediaSource.fromFile(job.path), {
    chunkSize: job.chunkSize === SegmentPlan.defaultChunkSize ? undefined : job.chunkSize,
    concurrency: job.concurrency
  }).pipe(
    Effect.map((media) => ({ mediaId: media.mediaId })),
    Effect.provide(NodeXMedia.layer({
      credentials: job.auth === "oauth2"
        ? Credentials.oauth2(job.credentials.oauth2Token)
        : Credentials.oauth1(job.credentials),
      baseUrl: job.baseUrl,
      dialect: job.dialect,
      budget: false
    })),
    Effect.runPromise
  )
