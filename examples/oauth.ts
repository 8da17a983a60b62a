/**
 * OAuth 2.0 vs OAuth 1.0a. Both are user-context credentials X accepts for media upload:
 * - OAuth 1.0a (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) signs every
 *   request and works with both v1.1 and v2.
 * - An OAuth 2.0 user access token (X_OAUTH2_ACCESS_TOKEN) with the media.write scope works with
 *   v2 only; asking for v1.1 with it fails with AuthUnsupported before any request is sent.
 *
 *   npx tsx examples/oauth.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { MediaSource, Upload } from "@x-media/core"
import { Console, Effect } from "effect"
import { exampleLayer, samples } from "./support/target.ts"

const uploadWith = (label: string, layer: ReturnType<typeof exampleLayer>) =>
  Upload.upload(MediaSource.fromFile(samples.png)).pipe(
    Effect.provide(layer),
    Effect.matchEffect({
      onSuccess: (media) => Console.log(`${label}: uploaded ${media.mediaId}`),
      onFailure: (error) => Console.log(`${label}: ${error._tag}: ${error.message}`)
    })
  )

const program = Effect.gen(function*() {
  yield* uploadWith("OAuth 1.0a, v2  ", exampleLayer({ scheme: "oauth1", dialect: "v2" }))
  yield* uploadWith("OAuth 1.0a, v1.1", exampleLayer({ scheme: "oauth1", dialect: "v1" }))
  yield* uploadWith("OAuth 2.0,  v2  ", exampleLayer({ scheme: "oauth2", dialect: "v2" }))
  // Refused before any request: v1.1 does not accept OAuth 2.0 user tokens.
  yield* uploadWith("OAuth 2.0,  v1.1", exampleLayer({ scheme: "oauth2", dialect: "v1" }))
})

program.pipe(NodeRuntime.runMain)
