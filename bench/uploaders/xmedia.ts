/**
 * Our library as a Node application uses it: `Upload.upload(MediaSource.fromFile(path), { chunkSize,
 * concurrency })` from @x-media/core, provided with @x-media/node's `NodeXMedia.layer` (a MediaClient for
 * the v2 dialect over undici, every request signed with OAuth 1.0a, and the Node file system). The client
 * budget is off (`budget: false`) so a long benchmark is not throttled by X's per-user numbers.
 *
 * @module
 */
import { Effect } from "effect"
import { Credentials, MediaSource, Upload } from "@x-media/core"
import { NodeXMedia } from "@x-media/node"
import type { Job, UploadOutcome } from "../job.ts"

/** Uploads `job.path` with @x-media/core and returns the media id. */
export const uploadXMedia = (job: Job): Promise<UploadOutcome> =>
  Upload.upload(MediaSource.fromFile(job.path), { chunkSize: job.chunkSize, concurrency: job.concurrency }).pipe(
    Effect.map((media): UploadOutcome => ({ mediaId: media.mediaId })),
    Effect.provide(NodeXMedia.layer({
      credentials: Credentials.oauth1(job.credentials),
      baseUrl: job.baseUrl,
      dialect: "v2",
      budget: false
    })),
    Effect.runPromise
  )
