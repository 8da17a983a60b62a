/**
 * Who is calling: one of the configured users, by a verified OAuth 1.0a signature or by an OAuth 2.0 user
 * token (v2 only, with the scope the endpoint needs), or the first user when auth is turned off. Produces the
 * result kept in the request record and, for a refusal, X's answer: 401 code 32 (bad signature, reused
 * nonce), 401 code 135 (timestamp out of bounds), 401 code 89 (unknown token), 403 for a bearer token on
 * v1.1, 403 problem for a missing scope.
 *
 * @module
 */
import {
  type NonceCache,
  type OAuth1Failure,
  parseAuthorizationHeader,
  type SignedRequest,
  verifyOAuth1
} from "./OAuth1.ts"
import type { Dialect, EmulatorConfig, EmulatorUser } from "./Options.ts"
import * as Replies from "./Replies.ts"
import { userByAccessToken, userByOAuth2Token } from "./Users.ts"

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

/** The outcome: the result, the user the request acts for (when accepted), and X's answer when refused. */
export type AuthOutcome =
  | { readonly result: "oauth1" | "oauth2" | "disabled"; readonly user: EmulatorUser; readonly refusal: undefined }
  | { readonly result: AuthResult; readonly user: undefined; readonly refusal: Replies.Reply }

/** The parts of a request authentication looks at: what a signature covers, the dialect, and the header if any. */
export interface AuthInput extends Omit<SignedRequest, "authorization"> {
  readonly dialect: Dialect
  readonly authorization: string | undefined
  /** The OAuth 2.0 scope the endpoint requires (`media.write`, or `tweet.write` to post). */
  readonly scope: string
}

const refused = (result: AuthResult, refusal: Replies.Reply): AuthOutcome => ({ result, user: undefined, refusal })

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

/**
 * Authenticates a request against the configured users. `realNow` is the time OAuth 1.0a timestamps are
 * checked against (effect's `Clock`, not moved by `advanceClock`: clients sign with their own clock).
 */
export const authenticate = (
  config: EmulatorConfig,
  nonces: NonceCache,
  realNow: () => number,
  input: AuthInput
): AuthOutcome => {
  const users = config.users
  if (!config.auth) return { result: "disabled", user: users[0], refusal: undefined }
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
    const user = userByOAuth2Token(users, bearer[1] ?? "")
    if (user === undefined) return refused("unknown-bearer", unauthorizedProblem())
    if (!user.oauth2Scopes.includes(input.scope)) {
      return refused(
        "missing-scope",
        Replies.problem(
          403,
          "Forbidden",
          `Forbidden. This endpoint requires the OAuth 2.0 scope ${input.scope}, which the token was not granted; re-authorize with ${input.scope}.`,
          "about:blank",
          { required_scopes: [input.scope] }
        )
      )
    }
    return { result: "oauth2", user, refusal: undefined }
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
      secretsOf: (accessToken) => userByAccessToken(users, accessToken)?.credentials,
      timestampWindowSecs: config.timestampWindowSecs,
      now: realNow,
      nonces
    }
  )
  if (failure !== undefined) return refused(failure, oauth1Refusal(failure))
  const token = parseAuthorizationHeader(header)?.get("oauth_token")
  const user = token === undefined ? undefined : userByAccessToken(users, token)
  // verifyOAuth1 accepted the token, so it belongs to a user
  return user === undefined
    ? refused("unknown-token", oauth1Refusal("unknown-token"))
    : { result: "oauth1", user, refusal: undefined }
}
