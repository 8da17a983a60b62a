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
  /** 1 for the first submission; one more each time the upload is submitted again after it failed. */
  attempt: Schema.Int,
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
  /** The whole media reached X at once (X's one request): every segment counts as done. */
  readonly allSegmentsDone?: boolean | undefined
  readonly worker?: string | undefined
  readonly error?: string | undefined
}

/**
 * One attempt of an upload: what a workflow run writes its progress under.
 *
 * @since 0.2.0
 * @category models
 */
export interface UploadKey {
  readonly uploadId: string
  readonly attempt: number
}

/**
 * The operations of {@link FleetStore}.
 *
 * @since 0.2.0
 * @category models
 */
export interface FleetStoreShape {
  /**
   * Records a submitted upload and gives its attempt: a new upload is attempt 1; one submitted again
   * while it runs or after it succeeded keeps its attempt (the submission joins it); one submitted
   * again after it failed gets the next attempt, a new run from the start.
   */
  readonly submitted: (upload: {
    readonly uploadId: string
    readonly user: string
    readonly path: string
    readonly segmentCount: number
  }) => Effect.Effect<number, SqlError>
  /** Applies a change to an upload's row, unless the upload has moved on to a later attempt. */
  readonly update: (upload: UploadKey, change: Change) => Effect.Effect<void, SqlError>
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
  attempt: Schema.Finite,
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
 * Creates the table when missing. `CREATE TABLE IF NOT EXISTS` is not safe across sessions in
 * PostgreSQL: workers started together on a fresh database both find no table, and all but one
 * fail on the catalog's unique index (`pg_type_typname_nsp_index`). A transaction-level advisory
 * lock lets one session at a time look and create; it is released with the transaction.
 */
const createTable = (sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    // The lock's key is any fixed number: 2020435564 is "xmfl" in ASCII.
    yield* sql`SELECT pg_advisory_xact_lock(2020435564)`
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
    )`
    // Tables created before attempts existed get the column.
    yield* sql`ALTER TABLE x_media_fleet_uploads ADD COLUMN IF NOT EXISTS attempt integer NOT NULL DEFAULT 1`
  })

/**
 * Builds the store on the `SqlClient` in the context, creating its table when missing (`SqlError`
 * when it cannot).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const sql = (yield* SqlClient.SqlClient).withoutTransforms()
  yield* sql.withTransaction(createTable(sql))

  // One statement, so two submissions racing after a failure start one new attempt, not two.
  const submitted: FleetStoreShape["submitted"] = (upload) =>
    sql`INSERT INTO x_media_fleet_uploads AS u (upload_id, user_id, path, state, segment_count)
      VALUES (${upload.uploadId}, ${upload.user}, ${upload.path}, 'submitted', ${upload.segmentCount})
      ON CONFLICT (upload_id) DO UPDATE SET
        attempt = CASE WHEN u.state = 'failed' THEN u.attempt + 1 ELSE u.attempt END,
        state = CASE WHEN u.state = 'failed' THEN 'submitted' ELSE u.state END,
        media_id = CASE WHEN u.state = 'failed' THEN NULL ELSE u.media_id END,
        segments_done = CASE WHEN u.state = 'failed' THEN 0 ELSE u.segments_done END,
        segment_count = CASE WHEN u.state = 'failed' THEN EXCLUDED.segment_count ELSE u.segment_count END,
        worker = CASE WHEN u.state = 'failed' THEN NULL ELSE u.worker END,
        error = CASE WHEN u.state = 'failed' THEN NULL ELSE u.error END,
        updated_at = now()
      RETURNING u.attempt`.pipe(
      Effect.flatMap((rows) =>
        Schema.decodeUnknownEffect(Schema.Tuple([Schema.Struct({ attempt: Schema.Finite })]))(rows).pipe(Effect.orDie)
      ),
      Effect.map(([row]) => row.attempt)
    )

  const update: FleetStoreShape["update"] = (upload, change) =>
    sql`UPDATE x_media_fleet_uploads SET
      state = COALESCE(${change.state ?? null}, state),
      media_id = COALESCE(${change.mediaId ?? null}, media_id),
      segments_done = ${
      change.allSegmentsDone === true
        ? sql`segment_count`
        : sql`LEAST(segment_count, segments_done + ${change.segmentDone === true ? 1 : 0})`
    },
      worker = COALESCE(${change.worker ?? null}, worker),
      error = COALESCE(${change.error ?? null}, error),
      updated_at = now()
      WHERE upload_id = ${upload.uploadId} AND attempt = ${upload.attempt}`.pipe(Effect.asVoid)

  const list = sql`SELECT * FROM x_media_fleet_uploads ORDER BY updated_at DESC`.pipe(
    Effect.flatMap((rows) => Schema.decodeUnknownEffect(Schema.Array(Row))(rows).pipe(Effect.orDie)),
    Effect.map((rows) =>
      rows.map((row) =>
        new FleetUpload({
          uploadId: row.upload_id,
          attempt: row.attempt,
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
export const layer: Layer.Layer<FleetStore, SqlError, SqlClient.SqlClient> = Layer.effect(FleetStore, make)
