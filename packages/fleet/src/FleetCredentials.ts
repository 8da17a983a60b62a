/**
 * The credentials a worker has: the users it can upload for. Credentials never go into the
 * database or Redis; a durable upload names its user (the `Credentials.userOf` identity, never a
 * secret) and the worker that runs it looks the credentials up here.
 *
 * @since 0.2.0
 */
import { Credentials, Errors, XMediaConfig } from "@x-media/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * The operations of {@link FleetCredentials}.
 *
 * @since 0.2.0
 * @category models
 */
export interface FleetCredentialsShape {
  /** The users this worker has credentials of. */
  readonly users: ReadonlyArray<string>
  /**
   * The credentials of `user`. Fails with `MissingCredentials` when this worker has none for that
   * user.
   */
  readonly credentialsOf: (user: string) => Effect.Effect<Credentials.Credentials, Errors.MissingCredentials>
}

/**
 * Where a worker gets the credentials of the users it uploads for. Implement it over a secret
 * store for many users; {@link layer} takes a fixed list, {@link layerConfig} the environment's one
 * user.
 *
 * @since 0.2.0
 * @category services
 */
export class FleetCredentials extends Context.Service<FleetCredentials, FleetCredentialsShape>()(
  "@x-media/fleet/FleetCredentials"
) {}

/**
 * A worker's credentials from a list (each keyed by `Credentials.userOf`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(list: ReadonlyArray<Credentials.Credentials>) {
  const byUser = new Map<string, Credentials.Credentials>()
  for (const credentials of list) byUser.set(yield* Credentials.userOf(credentials), credentials)
  return FleetCredentials.of({
    users: [...byUser.keys()],
    credentialsOf: (user) => {
      const found = byUser.get(user)
      return found === undefined
        ? Effect.fail(
          new Errors.MissingCredentials({
            missing: [],
            detail: `This worker has no credentials of X user ${user}: run the upload on a worker ` +
              `started with that user's credentials (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, ` +
              `X_ACCESS_TOKEN_SECRET or X_OAUTH2_ACCESS_TOKEN in its environment).`
          })
        )
        : Effect.succeed(found)
    }
  })
})

/**
 * {@link make} as a layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (list: ReadonlyArray<Credentials.Credentials>): Layer.Layer<FleetCredentials> =>
  Layer.effect(FleetCredentials, make(list))

/**
 * The environment's one user (`X_API_KEY`… or `X_OAUTH2_ACCESS_TOKEN`, as for `upload`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig: Layer.Layer<FleetCredentials, Errors.MissingCredentials | Errors.InvalidOption> = Layer
  .effect(
    FleetCredentials,
    XMediaConfig.load(XMediaConfig.credentials).pipe(Effect.flatMap((credentials) => make([credentials])))
  )
