/**
 * The fleet's command handlers: `x-media worker`, `x-media fleet status`, and `upload --durable`'s
 * submission (their definitions are in `Commands`). The fleet package (PostgreSQL, Redis, effect/cluster) is imported only when one of
 * them runs, so `x-media --help` and plain uploads never load it.
 *
 * Environment: X_MEDIA_DATABASE_URL (postgres://…), X_MEDIA_REDIS_URL (redis://…, workers only),
 * the credentials, X_MEDIA_BASE_URL and X_MEDIA_API as for `upload`.
 *
 * @module
 */
import { Credentials, Errors, type Upload, XMediaConfig } from "@x-media/core"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as ClientSettings from "./ClientSettings.ts"
import type { Setting } from "./CommonFlags.ts"
import { FleetNotInstalled, FleetUnreachable } from "./Failure.ts"
import * as Output from "./Output.ts"
import * as Report from "./Report.ts"
import * as Streams from "./Streams.ts"
import * as UploadFlags from "./UploadFlags.ts"

/** The fleet package's name: an optional peer of @x-media/node, installed by those who run a fleet. */
const fleetPackage = "@x-media/fleet"

/** True when `cause` says the fleet package itself is not installed (not a module it imports). */
const isFleetMissing = (cause: unknown): boolean =>
  cause instanceof Error && "code" in cause && cause.code === "ERR_MODULE_NOT_FOUND" &&
  cause.message.includes(`'${fleetPackage}'`)

/** The fleet package, loaded on first use; FleetNotInstalled (exit code 2) when it is not installed. */
const fleet = Effect.tryPromise({
  try: () => import("@x-media/fleet"),
  catch: (cause) => cause
}).pipe(
  Effect.catch((cause) =>
    isFleetMissing(cause)
      ? Effect.fail(new FleetNotInstalled({ package: fleetPackage }))
      : Effect.die(cause)
  )
)

/** A required fleet variable, or an InvalidOption naming it (exit code 2) that says what to set. */
const required = (name: string, example: string) =>
  XMediaConfig.load(Config.option(Config.Redacted(name))).pipe(
    Effect.flatMap(Option.match({
      onSome: (value) =>
        Redacted.value(value).trim() === ""
          ? Effect.fail(new Errors.InvalidOption({ option: name, value: "", detail: `is empty: set it to ${example}` }))
          : Effect.succeed(value),
      onNone: () =>
        Effect.fail(new Errors.InvalidOption({ option: name, value: "", detail: `is not set: set it to ${example}` }))
    }))
  )

/**
 * The fleet's layers die when PostgreSQL cannot be used (a connection refused, a wrong password, a
 * URL that does not parse): a CLI failure naming the variable, not an internal error. (Redis being
 * away is waited out by the rate budget, not a failure at start.)
 */
const reachable = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | FleetUnreachable, R> =>
  Effect.catchDefect(effect, (defect) => {
    const messageOf = (error: unknown): string | undefined =>
      Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== ""
        ? error.message
        : undefined
    // The driver's own words (ECONNREFUSED, a refused password) are in the reason's cause.
    const detail = (error: unknown) => {
      const own = messageOf(error) ?? String(error)
      const reason: unknown = Predicate.hasProperty(error, "reason") ? error.reason : undefined
      const cause = messageOf(Predicate.hasProperty(reason, "cause") ? reason.cause : undefined)
      return cause === undefined || own.includes(cause) ? own : `${own} (${cause})`
    }
    if (Predicate.isTagged(defect, "SqlError")) {
      return Effect.fail(new FleetUnreachable({ variable: "X_MEDIA_DATABASE_URL", detail: detail(defect) }))
    }
    return Effect.die(defect)
  })

const databaseUrl = required("X_MEDIA_DATABASE_URL", "postgres://user:password@host:5432/database")
const redisUrl = required("X_MEDIA_REDIS_URL", "redis://host:6379")

/** `--listen HOST:PORT` parsed. */
const parseListen = (raw: string) => {
  const match = /^(.+):(\d{1,5})$/.exec(raw.trim())
  const port = match === null ? NaN : Number(match[2])
  return match === null || !(port > 0 && port < 65536)
    ? Effect.fail(
      new Errors.InvalidOption({ option: "--listen", value: raw, detail: "must be HOST:PORT, e.g. 10.0.0.5:34431" })
    )
    : Effect.succeed({ host: match[1]!, port })
}

/** What `x-media worker` was given. */
export interface WorkerInput {
  readonly concurrency: Option.Option<string>
  readonly listen: Option.Option<string>
  /** `--timeout SECONDS`, else `X_MEDIA_TIMEOUT`: the idle timeout of the worker's requests. */
  readonly timeout: Option.Option<Setting>
  /** `--max-rate-limit-wait SECONDS`, else its variable: the longest wait for X's rate limit. */
  readonly maxRateLimitWait: Option.Option<Setting>
}

/** `x-media worker`: joins the fleet and runs uploads until interrupted, then hands them over. */
export const workerHandler = (input: WorkerInput) =>
  Effect.gen(function*() {
    const concurrency = yield* UploadFlags.checkedNumber(
      input.concurrency,
      "--concurrency",
      (n) => Number.isSafeInteger(n) && n >= 1,
      "must be a whole number of 1 or more"
    )
    const listen = Option.isSome(input.listen) ? yield* parseListen(input.listen.value) : undefined
    const idleTimeout = yield* ClientSettings.resolveTimeout(input.timeout)
    const maxRateLimitWait = yield* ClientSettings.resolveMaxRateLimitWait(input.maxRateLimitWait)
    const database = yield* databaseUrl
    const redis = yield* redisUrl
    const dialect = yield* XMediaConfig.load(XMediaConfig.dialect)
    const baseUrl = yield* XMediaConfig.load(XMediaConfig.optionalBaseUrl)
    const credentials = yield* XMediaConfig.load(XMediaConfig.credentials)
    const user = yield* Credentials.userOf(credentials)
    const { Fleet, FleetCredentials } = yield* fleet
    const worker = Fleet.layerWorker({
      databaseUrl: database,
      redisUrl: redis,
      listen,
      concurrency,
      x: {
        dialect,
        baseUrl,
        ...(idleTimeout === undefined ? {} : { idleTimeout }),
        ...(maxRateLimitWait === undefined ? {} : { retry: { maxRateLimitWait } })
      }
    }).pipe(Layer.provide(FleetCredentials.layer([credentials])))
    return yield* Effect.gen(function*() {
      yield* Streams.err(
        `x-media worker: joined the fleet, uploading for X user ${user}. Stop with Ctrl-C or SIGTERM: its uploads go on elsewhere.\n`
      )
      return yield* Effect.never
    }).pipe(
      Effect.provide(worker),
      reachable,
      // The cluster's log lines go to stderr, with the worker's own.
      Effect.provide(Logger.layer([Logger.withConsoleError(Logger.formatSimple)])),
      Effect.onInterrupt(() => Streams.err("x-media worker: handing the uploads over and leaving the fleet.\n"))
    )
  }).pipe(Report.reportFailure(false, "worker"))

const pad = (text: string, width: number) => text.length >= width ? text : text + " ".repeat(width - text.length)

/** `x-media fleet status [--json]`: the uploads in the fleet. */
export const statusHandler = (input: { readonly json: boolean }) =>
  Effect.gen(function*() {
    const database = yield* databaseUrl
    const { Fleet, FleetStore } = yield* fleet
    const uploads = yield* FleetStore.FleetStore.use((store) => store.list).pipe(
      Effect.orDie,
      Effect.provide(Fleet.layerClient({ databaseUrl: database })),
      reachable
    )
    if (input.json) {
      return yield* Output.printJson({
        uploads: uploads.map((u) => ({
          upload_id: u.uploadId,
          attempt: u.attempt,
          user: u.user,
          path: u.path,
          state: u.state,
          media_id: u.mediaId,
          segments_done: u.segmentsDone,
          segment_count: u.segmentCount,
          worker: u.worker,
          error: u.error,
          updated_at: u.updatedAt.toISOString()
        }))
      })
    }
    if (uploads.length === 0) return yield* Streams.out("No uploads in the fleet.\n")
    const lines = uploads.map((u) =>
      `${pad(u.state, 11)} ${pad(u.mediaId ?? "-", 20)} ${pad(`${u.segmentsDone}/${u.segmentCount}`, 9)} ${
        pad(u.worker ?? "-", 32)
      } ${u.path}${u.error === null ? "" : ` (${u.error})`}`
    )
    yield* Streams.out(
      `${pad("STATE", 11)} ${pad("MEDIA ID", 20)} ${pad("SEGMENTS", 9)} ${pad("WORKER", 32)} FILE\n${
        lines.join("\n")
      }\n`
    )
  }).pipe(Report.reportFailure(input.json, "fleet status"))

/** What `upload --durable` submits, from the upload's checked flags. */
export interface DurableUpload {
  readonly file: string
  readonly settings: ClientSettings.ClientSettings
  readonly options: Upload.UploadOptions
}

/**
 * `upload FILE --durable`: submits the upload to the fleet (its identity: the user, the file's
 * absolute path and SHA-256) and waits for the result. Interrupted, the upload goes on in the
 * fleet; the same command again waits for the same upload.
 */
export const submitDurable = (upload: DurableUpload) =>
  Effect.gen(function*() {
    const database = yield* databaseUrl
    const user = yield* Credentials.userOf(upload.settings.credentials)
    const { Fleet } = yield* fleet
    const { options } = upload
    return yield* Fleet.submit(upload.file, {
      user,
      mediaType: options.mediaType,
      category: options.category,
      altText: options.altText,
      chunkSize: options.chunkSize,
      concurrency: options.concurrency,
      wait: options.wait,
      maxWait: options.maxWait === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(options.maxWait)),
      oneShot: options.oneShot
    }).pipe(Effect.provide(Fleet.layerClient({ databaseUrl: database })), reachable)
  })
