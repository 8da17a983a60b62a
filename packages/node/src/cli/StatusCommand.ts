/**
 * `x-media status <media-id>`: asks X once where a media is (`--wait`: until it is ready), and
 * prints the state on stdout (the status object with `--json`).
 *
 * @module
 */
import { Errors, MediaClient, MediaId, type MediaStatus, Progress } from "@x-media/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as NodeXMedia from "../NodeXMedia.ts"
import * as ClientSettings from "./ClientSettings.ts"
import * as Output from "./Output.ts"
import * as ProgressView from "./ProgressView.ts"
import * as Report from "./Report.ts"
import * as UploadFlags from "./UploadFlags.ts"

/** The parsed command line of `x-media status`. */
export interface StatusInput extends ClientSettings.ClientFlags {
  readonly mediaId: string
  readonly wait: boolean
  readonly maxWait: Option.Option<string>
  readonly json: boolean
}

const decodeMediaId = (raw: string) =>
  Schema.decodeUnknownEffect(MediaId.MediaId)(raw.trim()).pipe(
    Effect.mapError(() =>
      new Errors.InvalidOption({ option: "<media-id>", value: raw, detail: "must be a media id: 1 to 19 digits" })
    )
  )

const status = (input: StatusInput) =>
  Effect.gen(function*() {
    const mediaId = yield* decodeMediaId(input.mediaId)
    const maxWait = yield* UploadFlags.maxWaitDuration(input.maxWait)
    const settings = yield* ClientSettings.resolve(input)
    const view = yield* ProgressView.make()
    const onStatus = (status: MediaStatus.MediaStatus) =>
      status._tag === "Processing"
        ? view.listener(Progress.UploadEvent.ProcessingUpdate({
          mediaId: status.mediaId,
          state: status.state,
          progressPercent: status.progressPercent,
          checkAfterSecs: status.checkAfterSecs
        }))
        : Effect.void
    return yield* Effect.gen(function*() {
      const client = yield* MediaClient.MediaClient
      const first = yield* client.status(mediaId)
      if (!input.wait) return first
      const ready: MediaStatus.MediaStatus = yield* client.awaitReady(first, { maxWait, onStatus })
      return ready
    }).pipe(
      // Retries and waits for X's rate limit are said as an upload says them.
      Progress.withListener(view.listener),
      Effect.provide(NodeXMedia.layer(ClientSettings.layerOptions(settings))),
      Effect.ensuring(view.settle),
      Report.onInterrupt(
        input.json,
        Effect.succeed("Interrupted; the media is not affected. Ask again with x-media status.")
      )
    )
  })

/** Runs `x-media status <media-id> [flags]`: imported by `Commands` when the command runs. */
export const handler = (input: StatusInput) =>
  status(input).pipe(
    Effect.flatMap((result) => input.json ? Output.printJson(Output.statusJson(result)) : Output.printStatus(result)),
    // No settings are resolved without a valid base URL: the flag or variable that gave it is the one set.
    Report.reportFailure(input.json, "status", Report.networkNote(Option.getOrUndefined(input.baseUrl)?.from))
  )
