/**
 * What `x-media fleet status` shows: one row per durable upload in PostgreSQL (next to the cluster's
 * own tables), written by the workers as the upload moves on. The workflow's own state (which steps
 * are done, their results) is the cluster's message storage; this table is only for people.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * One durable upload as the fleet knows it.
 *
 * @since 0.2.0
 * @category models
 */
export class FleetUpload extends Schema.Class<FleetUpload>("FleetUpload")({
  uploadId: Schema.String,
  user: Schema.String,
  path: Schema.String,
  /** `submitted`, `initialized`, `appending`, `finalizing`, `processing`, `succeeded` or `failed`. */
  state: Schema.String,
  mediaId: Schema.NullOr(Schema.String),
  segmentsDone: Schema.Int,
  segmentCount: Schema.Int,
  /** The worker that last moved it on (host, pid and listen address). */
  worker: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  updatedAt: Schema.Date
}) {}

/**
 * A change to one upload's row; absent fields stay as they are.
 *
 * @since 0.2.0
 * @category models
 */
export interface Change {
  readonly state?: string | undefined
  readonly mediaId?: string | undefined
  readonly segmentDone?: boolean | undefined
  readonly worker?: string | undefined
  readonly error?: string | undefined
}

/**
 * The operations of {@link FleetStore}.
 *
 * @since 0.2.0
 * @category models
 */
export interface FleetStoreShape {
  /** Records a submitted upload (again: nothing changes but the time). */
  readonly submitted: (upload: {
    readonly uploadId: string
    readonly user: string
    readonly path: string
    readonly segmentCount: number
  }) => Effect.Effect<void, SqlError>
  /** Applies a change to an upload's row. */
  readonly update: (uploadId: string, change: Change) => Effect.Effect<void, SqlError>
  /** Every upload, the most recently changed first. */
  readonly list: Effect.Effect<ReadonlyArray<FleetUpload>, SqlError>
}

/**
 * The uploads table.
 *
 * @since 0.2.0
 * @category services
 */
export class FleetStore extends Context.Service<FleetStore, FleetStoreShape>()("@x-media/fleet/FleetStore") {}

const Row = Schema.Struct({
  upload_id: Schema.String,
  user_id: Schema.String,
  path: Schema.String,
  state: Schema.String,
  media_id: Schema.NullOr(Schema.String),
  segments_done: Schema.Finite,
  segment_count: Schema.Finite,
  worker: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  updated_at: Schema.Union([Schema.Date, Schema.DateFromString])
})

/**
 * Builds the store on the `SqlClient` in the context, creating its table when missing.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  yield* sql`CREATE TABLE IF NOT EXISTS x_media_fleet_uploads (
    upload_id text PRIMARY KEY,
    user_id text NOT NULL,
    path text NOT NULL,
    state text NOT NULL,
    media_id text,
    segments_done integer NOT NULL DEFAULT 0,
    segment_count integer NOT NULL,
    worker text,
    error text,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.pipe(Effect.orDie)

  const submitted: FleetStoreShape["submitted"] = (upload) =>
    sql`INSERT INTO x_media_fleet_uploads (upload_id, user_id, path, state, segment_count)
      VALUES (${upload.uploadId}, ${upload.user}, ${upload.path}, 'submitted', ${upload.segmentCount})
      ON CONFLICT (upload_id) DO UPDATE SET updated_at = now()`.pipe(Effect.asVoid)

  const update: FleetStoreShape["update"] = (uploadId, change) =>
    sql`UPDATE x_media_fleet_uploads SET
      state = COALESCE(${change.state ?? null}, state),
      media_id = COALESCE(${change.mediaId ?? null}, media_id),
      segments_done = LEAST(segment_count, segments_done + ${change.segmentDone === true ? 1 : 0}),
      worker = COALESCE(${change.worker ?? null}, worker),
      error = COALESCE(${change.error ?? null}, error),
      updated_at = now()
      WHERE upload_id = ${uploadId}`.pipe(Effect.asVoid)

  const list = sql`SELECT * FROM x_media_fleet_uploads ORDER BY updated_at DESC`.pipe(
    Effect.flatMap((rows) => Schema.decodeUnknownEffect(Schema.Array(Row))(rows).pipe(Effect.orDie)),
    Effect.map((rows) =>
      rows.map((row) =>
        new FleetUpload({
          uploadId: row.upload_id,
          user: row.user_id,
          path: row.path,
          state: row.state,
          mediaId: row.media_id,
          segmentsDone: row.segments_done,
          segmentCount: row.segment_count,
          worker: row.worker,
          error: row.error,
          updatedAt: row.updated_at
        })
      )
    )
  )

  return FleetStore.of({ submitted, update, list })
})

/**
 * {@link make} as a layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<FleetStore, never, SqlClient.SqlClient> = Layer.effect(FleetStore, make)
