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
import type { RedisError } from "effect/persistence/Redis"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import type * as SchemaIssue from "effect/SchemaIssue"
import type { SocketServerError } from "effect/socket/SocketServer"
import type { SqlError } from "effect/sql/SqlError"
import * as Str from "effect/String"
import * as ClientSettings from "./ClientSettings.ts"
import type { Setting } from "./CommonFlags.ts"
import { FleetNotInstalled, FleetUnreachable, WorkerListenFailed } from "./Failure.ts"
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

const messageOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== ""
    ? error.message
    : undefined

/** An error's message with its driver's own words (ECONNREFUSED, a refused password) from its reason or cause. */
const detailOf = (error: unknown): string => {
  const own = messageOf(error) ?? String(error)
  const reason: unknown = Predicate.hasProperty(error, "reason") ? error.reason : error
  const cause = messageOf(Predicate.hasProperty(reason, "cause") ? reason.cause : undefined)
  return cause === undefined || own.includes(cause) ? own : `${own} (${cause})`
}

/** The variables a `ConfigError` of effect's cluster is about: it reads its settings as CONSTANT_CASE names. */
const variablesOf = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey> = []): Array<string> => {
  switch (issue._tag) {
    case "Pointer":
      return variablesOf(issue.issue, [...path, ...issue.path])
    case "Filter":
    case "Encoding":
      return variablesOf(issue.issue, path)
    case "Composite":
    case "AnyOf":
      return issue.issues.flatMap((inner) => variablesOf(inner, path))
    default:
      return path.length === 0 ? [] : [path.map((key) => Str.configCase(String(key))).join("_")]
  }
}

/**
 * The fleet layers' typed failures in the CLI's terms: PostgreSQL or Redis that cannot be used
 * names its variable; a listen address in use names `--listen`; a setting that effect's cluster
 * reads from the environment (`PORT`, `HOST`, `SHARDS_PER_GROUP`, …) and cannot parse names that
 * variable (exit code 2). None of them is an internal error.
 */
const fleetFailures = (listen: string | undefined) =>
<A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, FleetLayerFailure> | CliTerms, R> =>
  Effect.catch(effect, (error): Effect.Effect<never, Exclude<E, FleetLayerFailure> | CliTerms> => {
    if (isFleetLayerFailure(error)) return Effect.fail(inCliTerms(error, listen))
    if (isOtherFailure(error)) return Effect.fail(error)
    return Effect.die(error) // neither: cannot happen, as the two guards are complements
  })

/** What the fleet's layers fail with: PostgreSQL, Redis, the worker's listening socket, the cluster's settings. */
type FleetLayerFailure = SqlError | RedisError | SocketServerError | Config.ConfigError

const isFleetLayerFailure = (error: unknown): error is FleetLayerFailure =>
  Predicate.isTagged(error, "SqlError") || Predicate.isTagged(error, "RedisError") ||
  Predicate.isTagged(error, "SocketServerError") || Predicate.isTagged(error, "ConfigError")

/** The fleet layers' failures as the CLI reports them. */
type CliTerms = FleetUnreachable | WorkerListenFailed | Errors.InvalidOption

const isOtherFailure = <E>(error: E): error is Exclude<E, FleetLayerFailure> => !isFleetLayerFailure(error)

const inCliTerms = (
  error: FleetLayerFailure,
  listen: string | undefined
): CliTerms => {
  switch (error._tag) {
    case "SqlError":
      return new FleetUnreachable({ variable: "X_MEDIA_DATABASE_URL", detail: detailOf(error) })
    case "RedisError":
      // Its own message is its type's name; the client's words are in its cause.
      return new FleetUnreachable({ variable: "X_MEDIA_REDIS_URL", detail: messageOf(error.cause) ?? detailOf(error) })
    case "SocketServerError": {
      const detail = messageOf(error.reason.cause) ?? error.message
      return new WorkerListenFailed(listen === undefined ? { detail } : { address: listen, detail })
    }
    case "ConfigError": {
      const variable = error.cause._tag === "SchemaError" ? variablesOf(error.cause.issue)[0] : undefined
      const problem = (messageOf(error.cause) ?? String(error.cause)).split("\n")[0]
      return variable === undefined
        ? new Errors.InvalidOption({
          option: "environment",
          value: "",
          detail: `effect's cluster could not read its settings from it: ${problem}`
        })
        : new Errors.InvalidOption({
          option: variable,
          value: process.env[variable] ?? "",
          detail:
            `effect's cluster, which the fleet runs on, reads ${variable} from the environment: ${problem}. Correct it or unset it for x-media`
        })
    }
  }
}

/** A URL variable whose protocol is one of `protocols`, checked before anything is reached (its value is not printed: it may hold a password). */
const checkedUrl = (name: string, example: string, protocols: ReadonlyArray<string>) =>
  required(name, example).pipe(
    Effect.filterOrFail(
      (value) => {
        const text = Redacted.value(value).trim()
        return URL.canParse(text) && protocols.includes(new URL(text).protocol)
      },
      () =>
        new Errors.InvalidOption({
          option: name,
          value: "",
          detail: `is not a ${protocols.map((p) => `${p}//`).join(" or ")} URL: set it to ${example}`
        })
    )
  )

const databaseUrl = checkedUrl("X_MEDIA_DATABASE_URL", "postgres://user:password@host:5432/database", [
  "postgres:",
  "postgresql:"
])
const redisUrl = checkedUrl("X_MEDIA_REDIS_URL", "redis://host:6379", ["redis:", "rediss:"])

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
      fleetFailures(Option.getOrUndefined(input.listen)),
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
      Effect.provide(Fleet.layerClient({ databaseUrl: database })),
      fleetFailures(undefined)
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
    }).pipe(Effect.provide(Fleet.layerClient({ databaseUrl: database })), fleetFailures(undefined))
  })
