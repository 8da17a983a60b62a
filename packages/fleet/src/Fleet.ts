/**
 * The fleet as layers: {@link layerWorker} joins a process to the fleet and runs durable uploads
 * (effect/cluster runner + `ClusterWorkflowEngine` on PostgreSQL, the shared rate budget on Redis);
 * {@link layerClient} lets a process submit uploads and read their state without running any;
 * {@link submit} submits a file and waits for its result.
 *
 * @since 0.2.0
 */
import { NodeClusterSocket, NodeCrypto, NodeFileSystem, NodeHttpClient, NodeRedis } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import {
  Errors,
  MediaCategory,
  MediaClient,
  MediaSource,
  MediaType,
  OneShot,
  type RateBudget,
  SegmentPlan,
  Upload,
  XClient
} from "@x-media/core"
import * as ClusterWorkflowEngine from "effect/cluster/ClusterWorkflowEngine"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Redacted from "effect/Redacted"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import type { WorkflowEngine } from "effect/workflow/WorkflowEngine"
import { createHash } from "node:crypto"
import { createServer } from "node:net"
import { hostname } from "node:os"
import { FleetCredentials } from "./FleetCredentials.ts"
import * as FleetStore from "./FleetStore.ts"
import * as RedisRateBudget from "./RedisRateBudget.ts"
import {
  FleetClients,
  layer as uploadHandlerLayer,
  shardGroupOf,
  type UploadPayload,
  workflowFor
} from "./UploadWorkflow.ts"

/**
 * Where the fleet keeps its state.
 *
 * @since 0.2.0
 * @category models
 */
export interface StorageOptions {
  /** postgres://… (X_MEDIA_DATABASE_URL): the workflows, their steps' results, the uploads table. */
  readonly databaseUrl: Redacted.Redacted<string> | string
  /**
   * Cluster tuning shared by every member of the fleet (workers and clients must agree on
   * `shardsPerGroup`). The defaults notice a dead worker within seconds.
   */
  readonly sharding?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}

/**
 * How a worker runs.
 *
 * @since 0.2.0
 * @category models
 */
export interface WorkerOptions extends StorageOptions {
  /** redis://… (X_MEDIA_REDIS_URL): the shared rate budget. */
  readonly redisUrl: Redacted.Redacted<string> | string
  /** Where other workers reach this one (default 127.0.0.1 and a free port). */
  readonly listen?: { readonly host: string; readonly port: number } | undefined
  /** Requests to X this worker has in flight at once, over all its uploads (default 8). */
  readonly concurrency?: number | undefined
  /** How the worker talks to X (dialect, base URL, retries, client-side limits), as for `XClient`. */
  readonly x?: Omit<XClient.Options, "credentials"> | undefined
  /** The shared budget's pacing (its window, burst, probe). */
  readonly budget?: RedisRateBudget.Options | undefined
}

/**
 * The cluster settings every member of the fleet uses unless told otherwise: few shards (one
 * advisory lock each), and a dead worker's shards taken over within a few seconds.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultSharding: Partial<ShardingConfig.ShardingConfig["Service"]> = {
  shardsPerGroup: 16,
  // Shard locks as leases in a table rather than advisory locks: advisory lock numbers depend on the
  // list of all shard groups, and each worker knows only the groups (users) it serves.
  shardLockDisableAdvisory: true,
  shardLockRefreshInterval: "1 second",
  shardLockExpiration: "5 seconds",
  runnerHealthCheckInterval: "2 seconds",
  entityMessagePollInterval: "1 second",
  refreshAssignmentsInterval: "1 second",
  entityTerminationTimeout: "5 seconds"
}

const redacted = (value: Redacted.Redacted<string> | string) => typeof value === "string" ? Redacted.make(value) : value

// The cluster's runner storage dies when PostgreSQL cannot be used; one query first makes a refused
// connection, a wrong password or a URL that does not parse the layer's typed `SqlError` instead.
const layerPg = (options: StorageOptions) =>
  PgClient.layer({ url: redacted(options.databaseUrl), applicationName: "x-media-fleet" }).pipe(
    Layer.tap((context) => Context.get(context, PgClient.PgClient)`SELECT 1`)
  )

/**
 * The fleet's state for a process that submits uploads and reads their state, but runs none:
 * `WorkflowEngine` (a cluster client) and `FleetStore`, on PostgreSQL. Fails with `SqlError` when
 * PostgreSQL cannot be used (refused, a wrong password or database, a URL that does not parse), and
 * with `ConfigError` when a setting effect's cluster reads from the environment (`SHARDS_PER_GROUP`,
 * `PORT`, …) does not parse.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClient = (options: StorageOptions) =>
  Layer.mergeAll(ClusterWorkflowEngine.layer, FleetStore.layer).pipe(
    Layer.provideMerge(
      NodeClusterSocket.layer({
        clientOnly: true,
        storage: "sql",
        shardingConfig: { ...defaultSharding, ...options.sharding }
      })
    ),
    Layer.provide(layerPg(options))
  )

/** A free port of `host`, found by listening on port 0. */
const freePort = (host: string) =>
  Effect.callback<number>((resume) => {
    const server = createServer()
    server.once("error", (cause) => resume(Effect.die(cause)))
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

const makeClients = (options: WorkerOptions, worker: string) =>
  Effect.gen(function*() {
    const credentials = yield* FleetCredentials
    const transport = yield* Effect.context<HttpClient.HttpClient | RateBudget.RateBudget>()
    const permits = yield* Semaphore.make(Math.max(1, options.concurrency ?? 8))
    const cache = new Map<string, MediaClient.MediaClientShape>()
    const mediaClientFor = (user: string) =>
      Effect.gen(function*() {
        const known = cache.get(user)
        if (known !== undefined) return known
        const x = yield* XClient.make({ ...options.x, credentials: yield* credentials.credentialsOf(user) }).pipe(
          Effect.provide(transport),
          Effect.provide(NodeCrypto.layerMac)
        )
        const client = yield* MediaClient.make().pipe(Effect.provideService(XClient.XClient, x))
        const limited: MediaClient.MediaClientShape = {
          ...client,
          initialize: (params) => permits.withPermits(1)(client.initialize(params)),
          append: (media, index, bytes) => permits.withPermits(1)(client.append(media, index, bytes)),
          finalize: (media) => permits.withPermits(1)(client.finalize(media)),
          status: (media) => permits.withPermits(1)(client.status(media))
        }
        cache.set(user, limited)
        return limited
      })
    return FleetClients.of({ mediaClientFor, worker })
  })

/**
 * Joins this process to the fleet as a worker: it takes its share of the uploads (and those of
 * workers that stop or die) until its scope closes, when it hands them over. Requires the
 * credentials of the users it serves (`FleetCredentials`). Fails as {@link layerClient} does, with
 * `RedisError` when Redis cannot be reached, and with `SocketServerError` when it cannot listen
 * where the other workers are to reach it (`listen` in use or not on this machine).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWorker = (options: WorkerOptions) =>
  Layer.unwrap(Effect.gen(function*() {
    const host = options.listen?.host ?? "127.0.0.1"
    const port = options.listen?.port ?? (yield* freePort(host))
    const worker = `${hostname()}:${process.pid}@${host}:${port}`
    const { users } = yield* FleetCredentials
    // The worker takes the shards of the users it has credentials of, and only those; and of the
    // "default" group, where the cluster runs its singletons (the health check of the workers, which
    // hands a dead worker's shards over).
    const groups = ["default", ...users.map(shardGroupOf)]
    const sharding: Partial<ShardingConfig.ShardingConfig["Service"]> = {
      ...defaultSharding,
      ...options.sharding,
      availableShardGroups: groups,
      assignedShardGroups: groups,
      runnerAddress: Option.some(RunnerAddress.make(host, port))
    }
    const budget = RedisRateBudget.layer(options.budget).pipe(
      Layer.provide(NodeRedis.layer({ url: Redacted.value(redacted(options.redisUrl)) }))
    )
    const clients = Layer.effect(FleetClients, makeClients(options, worker)).pipe(
      Layer.provide(Layer.merge(budget, NodeHttpClient.layerUndici))
    )
    return uploadHandlerLayer(users).pipe(
      Layer.provide(Layer.mergeAll(clients, NodeFileSystem.layer)),
      Layer.provideMerge(Layer.mergeAll(ClusterWorkflowEngine.layer, FleetStore.layer)),
      Layer.provideMerge(NodeClusterSocket.layer({ storage: "sql", shardingConfig: sharding })),
      Layer.provide(layerPg(options))
    )
  }))

/**
 * What {@link submit} needs besides the file.
 *
 * @since 0.2.0
 * @category models
 */
export interface SubmitOptions {
  /** The X user the upload is for (`Credentials.userOf` of its credentials). */
  readonly user: string
  /** The upload's identity; from the file's absolute path and SHA-256 when absent. */
  readonly uploadId?: string | undefined
  readonly mediaType?: string | undefined
  readonly category?: string | undefined
  readonly altText?: string | undefined
  readonly chunkSize?: number | undefined
  /** APPENDs of this upload in flight at once (default 4). */
  readonly concurrency?: number | undefined
  readonly wait?: boolean | undefined
  readonly maxWait?: number | undefined
  /** Send media X takes in one request (an image up to 5 MiB, or `chunkSize`) that way (default true; see `Upload.UploadOptions.oneShot`). */
  readonly oneShot?: boolean | undefined
  /** Limits to enforce instead of X's (for emulators with scaled-down limits). */
  readonly limits?: Upload.UploadOptions["limits"]
}

/**
 * A file checked as `upload` checks it (type, category, size, segments), and its identity.
 *
 * @since 0.2.0
 * @category constructors
 */
export const prepare = Effect.fnUntraced(function*(file: string, options: SubmitOptions) {
  const path = yield* Path.Path
  const fs = yield* FileSystem.FileSystem
  const absolute = path.resolve(file)
  const source = MediaSource.fromFile(absolute)
  const opened = yield* Effect.scoped(source.open)
  if (opened.size === 0) return yield* new Errors.EmptyMedia({ source: absolute })
  const mediaType = yield* MediaType.resolveMediaType({
    explicit: options.mediaType,
    head: opened.head,
    fileName: source.fileName,
    source: absolute
  })
  const category = yield* MediaCategory.resolveCategory({ mediaType, requested: options.category })
  yield* MediaCategory.checkMedia({
    source: absolute,
    size: opened.size,
    mediaType,
    category,
    altText: options.altText,
    limits: options.limits?.bytes
  })
  const plan = yield* SegmentPlan.planSegments({
    totalBytes: opened.size,
    chunkSize: options.chunkSize,
    maxChunkBytes: options.limits?.maxChunkBytes,
    maxSegments: options.limits?.maxSegments,
    source: absolute,
    category
  })
  const hash = createHash("sha256")
  yield* fs.stream(absolute).pipe(
    Stream.runForEach((bytes) => Effect.sync(() => hash.update(bytes))),
    Effect.mapError((cause) =>
      new Errors.MediaSourceError({ source: absolute, reason: "unreadable", detail: cause.message, cause })
    )
  )
  const sha256 = hash.digest("hex")
  const payload: UploadPayload = {
    uploadId: options.uploadId ?? `${options.user}:${absolute}:${sha256}`,
    user: options.user,
    path: absolute,
    size: opened.size,
    sha256,
    mediaType,
    category,
    chunkSize: plan.chunkSize,
    concurrency: options.concurrency ?? Upload.defaultConcurrency,
    ...(options.altText === undefined ? {} : { altText: options.altText }),
    wait: options.wait ?? true,
    maxWaitMillis: options.maxWait ?? 600_000,
    oneShot: options.oneShot ?? true,
    oneShotMaxBytes: OneShot.maxBytesFor({ chunkSize: options.chunkSize, maxChunkBytes: options.limits?.maxChunkBytes })
  }
  return { payload, segmentCount: plan.segmentCount }
})

/**
 * Submits a file to the fleet and waits for its result (the media, as `upload` gives it). The
 * same upload submitted again (same identity) joins the running one, or gets the finished one's
 * media; after it failed, it starts over as a new attempt. Interrupting this waits no longer, and
 * the upload goes on in the fleet. Fails with the upload's typed errors, and with `SqlError` when the
 * submission cannot be recorded.
 *
 * @since 0.2.0
 * @category uploads
 */
export const submit = Effect.fnUntraced(function*(file: string, options: SubmitOptions) {
  const { payload, segmentCount } = yield* prepare(file, options)
  const store = yield* FleetStore.FleetStore
  const attempt = yield* store.submitted({
    uploadId: payload.uploadId,
    user: payload.user,
    path: payload.path,
    segmentCount
  })
  return yield* workflowFor(payload.user).execute(attempt === 1 ? payload : { ...payload, attempt })
})

/**
 * What {@link submit} requires.
 *
 * @since 0.2.0
 * @category models
 */
export type SubmitServices = WorkflowEngine | FleetStore.FleetStore | FileSystem.FileSystem | Path.Path
