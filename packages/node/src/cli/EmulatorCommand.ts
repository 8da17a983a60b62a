/**
 * `x-media emulator`: runs the X media upload emulator in the foreground until Ctrl-C/SIGTERM, and
 * prints on stdout, as NAME=value lines, everything another shell needs to upload to it:
 * `X_MEDIA_BASE_URL` and the credentials it accepts (from flags, else the environment, else
 * generated). A credential taken from the environment is not echoed (it may be a real one): the
 * other shell has it already.
 *
 * @module
 */
import { Credentials, Errors } from "@x-media/core"
import type { EmulatorCredentials } from "@x-media/emulator"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Stdio from "effect/Stdio"
import type { Given } from "./Commands.ts"
import * as EmbeddedEmulator from "./EmbeddedEmulator.ts"
import type { CliFailure } from "./Failure.ts"
import * as Report from "./Report.ts"
import * as Streams from "./Streams.ts"

const names = Credentials.EnvNames

/** The parsed command line of `x-media emulator`. */
export interface EmulatorInput {
  readonly host: string
  readonly port: string
  readonly processing: boolean
  readonly checkAfterSecs: string
  readonly apiKey: Option.Option<Given>
  readonly apiSecret: Option.Option<Given>
  readonly accessToken: Option.Option<Given>
  readonly accessTokenSecret: Option.Option<Given>
  readonly oauth2Token: Option.Option<Given>
}

interface Resolved {
  readonly value: string | undefined
  readonly origin: Given["origin"] | "generated"
}

/** A credential as given, or to be generated (also when its variable is blank). */
const resolveCredential = (given: Option.Option<Given>): Resolved =>
  Option.isSome(given) && (given.value.origin === "flag" || given.value.value.trim() !== "")
    ? given.value
    : { value: undefined, origin: "generated" }

const credentialKeys = ["consumerKey", "consumerSecret", "accessToken", "accessTokenSecret", "oauth2Token"] as const

/** A whole number from `min` to `max` written in `text`, else undefined. */
const wholeNumber = (text: string, min: number, max: number): number | undefined => {
  const n = text.trim() === "" ? Number.NaN : Number(text.trim())
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined
}

/** The checked numbers of the command line. */
interface Checked {
  readonly port: number
  readonly checkAfterSecs: number
}

const checkInput = (input: EmulatorInput): Effect.Effect<Checked, Errors.InvalidOption> => {
  const port = wholeNumber(input.port, 0, 65535)
  if (port === undefined) {
    return Effect.fail(
      new Errors.InvalidOption({
        option: "--port",
        value: input.port,
        detail: "must be a whole number from 0 to 65535"
      })
    )
  }
  if (input.host.trim() === "") {
    return Effect.fail(
      new Errors.InvalidOption({
        option: "--host",
        value: input.host,
        detail: "must name an interface, e.g. 127.0.0.1"
      })
    )
  }
  const checkAfterSecs = wholeNumber(input.checkAfterSecs, 0, Number.MAX_SAFE_INTEGER)
  if (checkAfterSecs === undefined) {
    return Effect.fail(
      new Errors.InvalidOption({
        option: "--check-after-secs",
        value: input.checkAfterSecs,
        detail: "must be a whole number of seconds, 0 or more"
      })
    )
  }
  return Effect.succeed({ port, checkAfterSecs })
}

const run = (input: EmulatorInput): Effect.Effect<void, CliFailure, Stdio.Stdio> =>
  Effect.gen(function*() {
    const { checkAfterSecs, port } = yield* checkInput(input)
    const resolved = {
      consumerKey: resolveCredential(input.apiKey),
      consumerSecret: resolveCredential(input.apiSecret),
      accessToken: resolveCredential(input.accessToken),
      accessTokenSecret: resolveCredential(input.accessTokenSecret),
      oauth2Token: resolveCredential(input.oauth2Token)
    } satisfies Record<keyof EmulatorCredentials, Resolved>
    const given: Partial<Record<keyof EmulatorCredentials, string>> = {}
    for (const key of credentialKeys) {
      const value = resolved[key].value
      if (value !== undefined) given[key] = value
    }
    const emulator = yield* EmbeddedEmulator.start({
      host: input.host,
      port,
      credentials: given,
      processing: { enabled: input.processing, checkAfterSecs }
    })
    const line = (name: string, key: keyof EmulatorCredentials) =>
      resolved[key].origin === "environment"
        ? `# ${name} is taken from this shell's environment (not printed)`
        : `${name}=${emulator.credentials[key]}`
    yield* Streams.out(
      [
        `X_MEDIA_BASE_URL=${emulator.url}`,
        line(names.consumerKey, "consumerKey"),
        line(names.consumerSecret, "consumerSecret"),
        line(names.accessToken, "accessToken"),
        line(names.accessTokenSecret, "accessTokenSecret"),
        line(names.oauth2AccessToken, "oauth2Token")
      ].join("\n") + "\n"
    )
    yield* Streams.err(
      `X media emulator listening on ${emulator.url} (v1: /1.1/media/upload.json, v2: /2/media/upload). ` +
        `Export the lines above in another shell and run x-media upload. Press Ctrl-C to stop.\n`
    )
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.onInterrupt(() => Streams.err("Emulator stopped.\n"))
  )

/** Runs `x-media emulator [flags]`: imported by `Commands` when the command runs. */
export const handler = (input: EmulatorInput) => run(input).pipe(Report.reportFailure(false, "emulator"))
