/**
 * The emulator as a service: `Emulator.layer(options)` starts a Node HTTP server on 127.0.0.1 (a free port
 * by default) serving both dialects and `POST /2/tweets` through an `HttpRouter`, and stops it — closing
 * connections and removing the spill directory — when the layer's scope closes. Its clock is effect's
 * `Clock` from the context the layer is built in. `startEmulator` does the same for code that does not use
 * Effect.
 *
 * @module
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodePath from "@effect/platform-node/NodePath"
import { Cause, Clock, Context, Effect, Exit, FiberSet, FileSystem, Layer, ManagedRuntime, Path } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"
import { exitResponse, type ServeError } from "effect/http/HttpServerError"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import type { HttpServerResponse } from "effect/http/HttpServerResponse"
import type { PlatformError } from "effect/PlatformError"
import type * as NodeHttp from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { EmulatorClock } from "./EmulatorClock.ts"
import { EmulatorState } from "./EmulatorState.ts"
import { notFound } from "./Endpoint.ts"
import type { FaultRule } from "./Faults.ts"
import {
  checkThrottle,
  type EmulatorCredentials,
  type EmulatorOptions,
  type EmulatorUser,
  resolveOptions,
  type Throttle
} from "./Options.ts"
import type { RecordedPost } from "./Posts.ts"
import { CurrentRequest, type RecordedRequest } from "./Recorder.ts"
import { postRoutes } from "./RoutesPosts.ts"
import { v1Routes } from "./RoutesV1.ts"
import { v2Routes } from "./RoutesV2.ts"
import { type RecordedMedia, Store } from "./Store.ts"

/** A running emulator, as tests and the CLI use it. Every query is synchronous. */
export interface EmulatorHandle {
  /** `http://127.0.0.1:<port>`: the base URL for both dialects (`X_MEDIA_BASE_URL`). */
  readonly url: string
  /** The first user's credentials (given or generated): `users[0].credentials`. */
  readonly credentials: EmulatorCredentials
  /** Every user it serves, the first one first, with their ids, credentials and OAuth 2.0 scopes. */
  readonly users: readonly [EmulatorUser, ...Array<EmulatorUser>]
  /** Every request received so far, oldest first. */
  requests(): ReadonlyArray<RecordedRequest>
  /** The media with this id, if the emulator issued it. */
  media(id: string): RecordedMedia | undefined
  /** Every media, oldest first. */
  allMedia(): ReadonlyArray<RecordedMedia>
  /** The post with this id, if the emulator created it. */
  post(id: string): RecordedPost | undefined
  /** Every post created, oldest first. */
  posts(): ReadonlyArray<RecordedPost>
  /**
   * How many 429 answers were sent to the user with this id, or to anyone when not given (enforced limits and
   * `rateLimited`/`retryAfter` faults alike). Since the start or the last `reset()`.
   */
  tooManyRequests(userId?: string): number
  /** Replaces the fault rules (and restarts their counts). */
  setFaults(rules: ReadonlyArray<FaultRule>): void
  /** Throttles request bodies to one shared uplink of this rate from now on, or unthrottles with `undefined`. */
  setThrottle(throttle: Throttle | undefined): void
  /** Moves the emulator clock forward by `ms` (expiry, processing, rate-limit windows). */
  advanceClock(ms: number): void
  /** Epoch milliseconds on the emulator clock. */
  now(): number
  /**
   * Forgets every request, media and post (and the rate-limit windows and 429 counts); users, fault rules,
   * the throttle and the clock stay.
   */
  reset(): void
}

/** Why the emulator could not start: the port could not be bound, or the spill directory not created. */
export type EmulatorStartError = ServeError | PlatformError

/**
 * What a start-up error means for whoever starts the emulator: it could not `listen` (a port in use,
 * an address not on this machine) or not create its `directory`; `reason` is the most specific text
 * the error carries (its own message, else its cause's: `listen EADDRINUSE …`).
 */
export const describeStartError = (
  error: EmulatorStartError
): { readonly cannot: "listen" | "directory"; readonly reason: string } => {
  const cause: unknown = error.cause
  const reason = error.message !== ""
    ? error.message
    : cause instanceof Error && cause.message !== ""
    ? cause.message
    : String(cause)
  return { cannot: error._tag === "ServeError" ? "listen" : "directory", reason }
}

/** The status effect's HTTP server gives a request whose client disconnected before the answer. */
const clientClosedRequest = 499

/** The recording middleware: opens a request record on arrival and closes it once the answer is sent. */
const recording = (state: EmulatorState) =>
<E, R>(
  app: Effect.Effect<HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse, E, Exclude<R, CurrentRequest> | HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest
    const entry = state.recorder.begin(request.method, request.url, request.headers["content-type"], state.clock.now())
    return yield* app.pipe(
      Effect.provideService(CurrentRequest, entry),
      Effect.onExit((exit) =>
        Effect.sync(() => {
          // A client that went away is answered 499 by the platform, which never reaches the socket.
          const status = Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
            ? undefined
            : exitResponse(exit).status
          state.recorder.end(entry, status === clientClosedRequest ? undefined : status, state.clock.now())
        })
      )
    )
  })

/**
 * node:http loaded as CommonJS, not imported: Node's ES module wrapper of node:http reads every export,
 * and its lazy `WebSocket` getters load Node's bundled undici, which the emulator never uses (4 MB of its
 * memory; 10 MB and ~50 ms of CPU in an empty process). @effect/platform-node's HTTP client does the same.
 */
const Http: typeof NodeHttp = createRequire(import.meta.url)("node:http")

const urlOf = (host: string, port: number): string => {
  const reachable = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host
  return reachable.includes(":") ? `http://[${reachable}]:${port}` : `http://${reachable}:${port}`
}

const make = (options: EmulatorOptions | undefined) =>
  Effect.gen(function*() {
    const config = resolveOptions(options)
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const spillDir = yield* fs.makeTempDirectoryScoped({ prefix: "x-media-emulator-", directory: config.spillDir })
    const clock = new EmulatorClock(yield* Clock.Clock)
    const store = new Store(config, clock, fs, path, spillDir)
    const state = new EmulatorState(config, clock, store)
    // Background work of the synchronous handle (deleting spilled files on reset) runs in the layer's scope.
    const runFork = yield* FiberSet.makeRuntime<never, void, never>()

    const nodeServer = Http.createServer({ requestTimeout: 0 })
    const server = yield* NodeHttpServer.make(() => nodeServer, {
      host: config.host,
      port: config.port,
      gracefulShutdownTimeout: "2 seconds"
    })
    const app = yield* HttpRouter.toHttpEffect(
      HttpRouter.addAll([
        ...v1Routes(state),
        ...v2Routes(state),
        ...postRoutes(state),
        HttpRouter.route("*", "*", notFound(state))
      ])
    )
    yield* server.serve(app, recording(state))
    // Runs first on release: stop accepting, let answers in flight finish briefly, then cut what is left.
    yield* Effect.addFinalizer(() =>
      Effect.callback<void>((resume) => {
        if (!nodeServer.listening) return resume(Effect.void)
        nodeServer.close(() => resume(Effect.void))
        nodeServer.closeIdleConnections()
      }).pipe(
        Effect.timeoutOrElse({ duration: "1 second", orElse: () => Effect.void }),
        Effect.ensuring(Effect.sync(() => nodeServer.closeAllConnections()))
      )
    )

    const address = nodeServer.address()
    const port = typeof address === "object" && address !== null ? (address satisfies AddressInfo).port : config.port
    const [first] = config.users
    return Emulator.of({
      url: urlOf(config.host, port),
      credentials: first.credentials,
      users: config.users,
      requests: () => state.recorder.all(),
      media: (id) => {
        const session = store.get(id)
        return session === undefined ? undefined : state.recordedMedia(session)
      },
      allMedia: () => store.all().map((session) => state.recordedMedia(session)),
      post: (id) => state.posts.get(id),
      posts: () => state.posts.all(),
      tooManyRequests: (userId) => state.recorder.tooManyRequests(userId),
      setFaults: (rules) => state.faults.set(rules),
      setThrottle: (throttle) => state.link.set(checkThrottle(throttle)),
      advanceClock: (ms) => clock.advance(ms),
      now: () => clock.now(),
      reset: () => {
        state.recorder.clear()
        state.limiter.clear()
        state.posts.clear()
        runFork(store.clear())
      }
    })
  })

/** The emulator service: the handle of a running emulator. */
export class Emulator extends Context.Service<Emulator, EmulatorHandle>()("@x-media/emulator/Emulator") {
  /**
   * Starts an emulator for the lifetime of the layer: the server is closed and the spill directory removed
   * when the layer's scope closes.
   */
  static layer(options?: EmulatorOptions): Layer.Layer<Emulator, EmulatorStartError> {
    return Layer.effect(Emulator, make(options)).pipe(
      Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
    )
  }
}

/** A running emulator started with `startEmulator`, with `close()` to stop it. */
export interface RunningEmulator extends EmulatorHandle {
  /** Stops the server and removes the spill directory. */
  close(): Promise<void>
}

/** Starts an emulator outside Effect (for plain tests and the CLI). Rejects when it cannot start. */
export const startEmulator = async (options?: EmulatorOptions): Promise<RunningEmulator> => {
  const runtime = ManagedRuntime.make(Emulator.layer(options))
  try {
    const handle = await runtime.runPromise(Effect.service(Emulator))
    return { ...handle, close: () => runtime.dispose() }
  } catch (error) {
    await runtime.dispose()
    throw error
  }
}
