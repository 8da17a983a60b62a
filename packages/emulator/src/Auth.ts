/**
 * Who is calling: OAuth 1.0a user context (verified signature), OAuth 2.0 user token (v2 only, needs the
 * `media.write` scope), or nothing when auth is turned off. Produces the result kept in the request record
 * and, for a refusal, X's answer: 401 code 32 (bad signature, reused nonce), 401 code 135 (timestamp out of
 * bounds), 401 code 89 (unknown token), 403 for a bearer token on v1.1, 403 problem for a missing scope.
 *
 * @module
 */
import type { EmulatorConfig } from "./Options.ts"
import type { Dialect } from "./Options.ts"
import { type NonceCache, type OAuth1Failure, type SignedRequest, verifyOAuth1 } from "./OAuth1.ts"
import * as Replies from "./Replies.ts"

/**
 * How a request authenticated: `oauth1`, `oauth2` or `disabled` (auth off) when accepted; otherwise why it
 * was refused (`missing`, an `OAuth1Failure`, `unknown-bearer`, `missing-scope`, `oauth2-on-v1`).
 */
export type AuthResult =
  | "oauth1"
  | "oauth2"
  | "disabled"
  | "missing"
  | OAuth1Failure
  | "unknown-bearer"
  | "missing-scope"
  | "oauth2-on-v1"

/** The one user the configured credentials (OAuth 1.0a and OAuth 2.0 alike) act for; rate limits are kept per user. */
export const configuredUser = "user"

/** The outcome: the result, the user the rate limits are kept for, and X's answer when refused. */
export interface AuthOutcome {
  readonly result: AuthResult
  readonly user: string
  readonly refusal: Replies.Reply | undefined
}

/** The parts of a request authentication looks at: what a signature covers, the dialect, and the header if any. */
export interface AuthInput extends Omit<SignedRequest, "authorization"> {
  readonly dialect: Dialect
  readonly authorization: string | undefined
}

const refused = (result: AuthResult, refusal: Replies.Reply): AuthOutcome => ({ result, user: "anonymous", refusal })

const unauthorizedProblem = () => Replies.problem(401, "Unauthorized", "Unauthorized")

const oauth1Refusal = (failure: OAuth1Failure): Replies.Reply => {
  switch (failure) {
    case "clock-skew":
      return Replies.codeErrors(401, 135, "Timestamp out of bounds.")
    case "unknown-token":
      return Replies.codeErrors(401, 89, "Invalid or expired token.")
    default:
      return Replies.codeErrors(401, 32, "Could not authenticate you.")
  }
}

/** Authenticates a request against the configured credentials. */
export const authenticate = (config: EmulatorConfig, nonces: NonceCache, input: AuthInput): AuthOutcome => {
  const credentials = config.credentials
  if (!config.auth) return { result: "disabled", user: configuredUser, refusal: undefined }
  const header = input.authorization?.trim()
  if (header === undefined || header === "") {
    return refused(
      "missing",
      input.dialect === "v1" ? Replies.codeErrors(400, 215, "Bad Authentication data.") : unauthorizedProblem()
    )
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)
  if (bearer !== null) {
    if (input.dialect === "v1") {
      return refused(
        "oauth2-on-v1",
        Replies.codeErrors(
          403,
          220,
          "Your credentials do not allow access to this resource. OAuth 2.0 user tokens cannot be used with the v1.1 media upload endpoints; sign with OAuth 1.0a."
        )
      )
    }
    if (bearer[1] !== credentials.oauth2Token) return refused("unknown-bearer", unauthorizedProblem())
    if (!config.oauth2Scopes.includes("media.write")) {
      return refused(
        "missing-scope",
        Replies.problem(
          403,
          "Forbidden",
          "Forbidden. This endpoint requires the OAuth 2.0 scope media.write, which the token was not granted; re-authorize with media.write.",
          "about:blank",
          { required_scopes: ["media.write"] }
        )
      )
    }
    return { result: "oauth2", user: configuredUser, refusal: undefined }
  }
  if (!/^OAuth\s/i.test(header)) {
    return refused(
      "missing",
      input.dialect === "v1" ? Replies.codeErrors(400, 215, "Bad Authentication data.") : unauthorizedProblem()
    )
  }
  const failure = verifyOAuth1(
    {
      method: input.method,
      scheme: input.scheme,
      host: input.host,
      path: input.path,
      queryParams: input.queryParams,
      bodyParams: input.bodyParams,
      authorization: header
    },
    {
      consumerKey: credentials.consumerKey,
      consumerSecret: credentials.consumerSecret,
      accessToken: credentials.accessToken,
      accessTokenSecret: credentials.accessTokenSecret,
      timestampWindowSecs: config.timestampWindowSecs,
      now: () => Date.now(),
      nonces
    }
  )
  if (failure !== undefined) return refused(failure, oauth1Refusal(failure))
  return { result: "oauth1", user: configuredUser, refusal: undefined }
}
