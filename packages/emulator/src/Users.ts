/**
 * The users one emulator serves. The app (OAuth 1.0a consumer key and secret) is shared; each user has a
 * numeric id, an access token `<id>-<random>` with its secret, and an OAuth 2.0 user token with its scopes.
 * Requests are attributed to a user by the token they carry; media ownership, posts and rate-limit windows
 * are kept per user.
 *
 * @module
 */
import { randomBytes, randomInt } from "node:crypto"
import type { EmulatorCredentials, EmulatorOptions, EmulatorUser, EmulatorUserOptions } from "./Options.ts"

/** The scopes an OAuth 2.0 token has unless `oauth2Scopes` says otherwise. */
export const defaultOAuth2Scopes: ReadonlyArray<string> = [
  "media.write",
  "tweet.read",
  "tweet.write",
  "users.read",
  "offline.access"
]

const token = (bytes: number): string => randomBytes(bytes).toString("base64url")

/** A random user id of 10 digits (X's ids are strings of 1 to 19 digits). */
const randomUserId = (): string => String(randomInt(1_000_000_000, 9_999_999_999))

/** The id an access token names: X's access tokens start with `<user id>-`. */
const idOfAccessToken = (accessToken: string | undefined): string | undefined =>
  accessToken === undefined ? undefined : /^([0-9]{1,19})-/.exec(accessToken)?.[1]

const checkUserId = (id: string): string => {
  if (!/^[0-9]{1,19}$/.test(id)) throw new RangeError(`a user id must be 1 to 19 digits, got ${JSON.stringify(id)}`)
  return id
}

/**
 * Resolves `users` (and the first user's `credentials` and the default `oauth2Scopes`) into full users with
 * distinct ids and tokens. Throws a `RangeError` for a bad count, a bad id, or two users sharing an id or a token.
 */
export const resolveUsers = (options: EmulatorOptions): readonly [EmulatorUser, ...Array<EmulatorUser>] => {
  const given = options.users ?? 1
  if (typeof given === "number" && (!Number.isSafeInteger(given) || given < 1)) {
    throw new RangeError(`users must be a whole number >= 1 or a list of users, got ${given}`)
  }
  const entries: readonly [EmulatorUserOptions, ...Array<EmulatorUserOptions>] = typeof given === "number"
    ? [{}, ...Array.from({ length: given - 1 }, () => ({}))]
    : given.length === 0
    ? [{}]
    : [given[0] ?? {}, ...given.slice(1)]
  const app = {
    consumerKey: options.credentials?.consumerKey ?? token(19).slice(0, 25),
    consumerSecret: options.credentials?.consumerSecret ?? token(38).slice(0, 50)
  }
  const taken = new Set<string>()
  const resolve = (entry: EmulatorUserOptions, index: number): EmulatorUser => {
    const partial: Partial<EmulatorCredentials> = index === 0
      ? { ...options.credentials, ...entry.credentials }
      : { ...entry.credentials }
    let id = entry.id ?? idOfAccessToken(partial.accessToken)
    if (id === undefined) {
      do id = randomUserId()
      while (taken.has(id))
    }
    checkUserId(id)
    if (taken.has(id)) throw new RangeError(`two users have the id ${id}`)
    taken.add(id)
    const credentials: EmulatorCredentials = {
      consumerKey: partial.consumerKey ?? app.consumerKey,
      consumerSecret: partial.consumerSecret ?? app.consumerSecret,
      accessToken: partial.accessToken ?? `${id}-${token(30).slice(0, 40)}`,
      accessTokenSecret: partial.accessTokenSecret ?? token(34).slice(0, 45),
      oauth2Token: partial.oauth2Token ?? token(60)
    }
    return { id, credentials, oauth2Scopes: entry.oauth2Scopes ?? options.oauth2Scopes ?? defaultOAuth2Scopes }
  }
  const [head, ...rest] = entries
  const users: readonly [EmulatorUser, ...Array<EmulatorUser>] = [
    resolve(head, 0),
    ...rest.map((entry, index) => resolve(entry, index + 1))
  ]
  for (const key of ["accessToken", "oauth2Token"] as const) {
    const values = new Set(users.map((user) => user.credentials[key]))
    if (values.size !== users.length) throw new RangeError(`two users have the same ${key}`)
  }
  return users
}

/** The user an OAuth 1.0a access token belongs to. */
export const userByAccessToken = (users: ReadonlyArray<EmulatorUser>, accessToken: string): EmulatorUser | undefined =>
  users.find((user) => user.credentials.accessToken === accessToken)

/** The user an OAuth 2.0 token belongs to. */
export const userByOAuth2Token = (users: ReadonlyArray<EmulatorUser>, oauth2Token: string): EmulatorUser | undefined =>
  users.find((user) => user.credentials.oauth2Token === oauth2Token)
