/**
 * Where the examples upload to. With credentials in the environment (X_API_KEY … or
 * X_OAUTH2_ACCESS_TOKEN, and optionally X_MEDIA_API / X_MEDIA_BASE_URL), they go there: X itself,
 * or an emulator you started with `x-media emulator`. Without, each example starts the embedded
 * emulator in-process and uses the credentials it generated, so it runs with no X account.
 */
import { Credentials, type Dialect, type Errors } from "@x-media/core"
import { Emulator, type EmulatorStartError } from "@x-media/emulator"
import { NodeXMedia } from "@x-media/node"
import { Console, Effect, Layer } from "effect"

/** True when the environment names credentials to use instead of the embedded emulator. */
export const hasCredentials = (): boolean => Boolean(process.env["X_API_KEY"] || process.env["X_OAUTH2_ACCESS_TOKEN"])

/** Which credentials the example should sign with when it uses the embedded emulator. */
export type Scheme = "oauth1" | "oauth2"

/**
 * The Node layer for an example: from the environment when it has credentials, else an embedded
 * emulator (processing with 1 s checks, so video shows its processing steps).
 */
export const exampleLayer = (
  options: { readonly dialect?: Dialect.Dialect; readonly scheme?: Scheme } = {}
): Layer.Layer<NodeXMedia.NodeXMedia, NodeXMedia.LayerError | Errors.MissingCredentials | EmulatorStartError> =>
  hasCredentials()
    ? NodeXMedia.layerConfig(options.dialect === undefined ? {} : { dialect: options.dialect })
    : Layer.unwrap(Effect.gen(function*() {
      const emulator = yield* Emulator
      yield* Console.error(`(no credentials in the environment: using the embedded emulator at ${emulator.url})`)
      const c = emulator.credentials
      const credentials = options.scheme === "oauth2"
        ? Credentials.oauth2(c.oauth2Token)
        : Credentials.oauth1({
          consumerKey: c.consumerKey,
          consumerSecret: c.consumerSecret,
          accessToken: c.accessToken,
          accessTokenSecret: c.accessTokenSecret
        })
      return NodeXMedia.layer({
        credentials,
        baseUrl: emulator.url,
        ...(options.dialect === undefined ? {} : { dialect: options.dialect })
      })
    })).pipe(Layer.provide(Emulator.layer({ processing: { checkAfterSecs: 1, inProgressSteps: 2 } })))

/** The sample files shipped with the examples. */
export const samples = {
  png: new URL("../media/sample.png", import.meta.url).pathname,
  gif: new URL("../media/sample.gif", import.meta.url).pathname,
  mp4: new URL("../media/sample.mp4", import.meta.url).pathname
}
