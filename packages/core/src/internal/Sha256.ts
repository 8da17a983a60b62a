/**
 * SHA-256 of bytes as hex, with the `Digest` service when the context has one (node:crypto in
 * `@x-media/node`) and Web Crypto otherwise, so core needs no crypto layer to be provided.
 *
 * @internal
 */
import * as Digest from "effect/crypto/Digest"
import * as Effect from "effect/Effect"

/** The SHA-256 of `bytes`, in hex. */
export const sha256Hex = (bytes: Uint8Array): Effect.Effect<string> => {
  const hex = Digest.Digest.use((digest) => digest.digestHex(Digest.sha256, bytes))
  return Effect.flatMap(
    Effect.serviceOption(Digest.Digest),
    (digest) =>
      digest._tag === "Some"
        ? Effect.provideService(hex, Digest.Digest, digest.value)
        : Effect.provide(hex, Digest.layerWebCrypto)
  )
}
