/**
 * The flags shared by the commands that talk to X: `--api`, `--base-url`, `--auth`, `--timeout`,
 * `--max-rate-limit-wait` and `--json`. The settings that also have an environment variable fall back to it here, with
 * `Flag.withFallbackConfig`, and nowhere else: a flag always wins, and a variable a flag replaces
 * is not even read. Each value remembers where it came from, so an error or advice names the
 * input the user actually set (`--base-url`, not `X_MEDIA_BASE_URL`).
 *
 * @module
 */
import * as XMediaConfig from "@x-media/core/XMediaConfig"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Option from "effect/Option"

/** A setting as given: its text and the flag or variable it came from. */
export interface Setting {
  /** `--api`, `X_MEDIA_API`, … */
  readonly from: string
  readonly value: string
}

/** A setting with a blank value counts as not given (as a blank variable does in core). */
export const given = (setting: Option.Option<Setting>): Setting | undefined =>
  Option.getOrUndefined(Option.filter(setting, ({ value }) => value.trim() !== ""))

/** The setting when a flag gave it (not a variable): what a usage error or an advised command names. */
export const givenByFlag = (setting: Option.Option<Setting>): Setting | undefined => {
  const chosen = given(setting)
  return chosen !== undefined && chosen.from.startsWith("--") ? chosen : undefined
}

/** The variable of `--timeout`. */
export const timeoutVariable = "X_MEDIA_TIMEOUT"

/** A flag's text, else the variable's (read as text; checked after parsing, naming its origin). */
const withVariable = (flag: Flag.Flag<string>, name: string, variable: string): Flag.Flag<Setting> =>
  flag.pipe(
    Flag.map((value): Setting => ({ from: `--${name}`, value })),
    Flag.withFallbackConfig(Config.String(variable).pipe(Config.map((value): Setting => ({ from: variable, value }))))
  )

/** `--api v1|v2`: the dialect (default `X_MEDIA_API`, else v2). */
export const api = withVariable(
  Flag.Literals("api", ["v1", "v2"]).pipe(
    Flag.withDescription(
      `API dialect: v2 (api.x.com, the default) or v1 (upload.twitter.com/1.1). Default: ${XMediaConfig.EnvNames.api}, else v2.`
    )
  ),
  "api",
  XMediaConfig.EnvNames.api
).pipe(Flag.optional)

/** `--base-url URL`: scheme://host[:port] replacing the dialect's host (default `X_MEDIA_BASE_URL`). */
export const baseUrl = withVariable(
  Flag.String("base-url").pipe(
    Flag.withMetavar("URL"),
    Flag.withDescription(
      `scheme://host[:port] to send requests to instead of X's host. Default: ${XMediaConfig.EnvNames.baseUrl}.`
    )
  ),
  "base-url",
  XMediaConfig.EnvNames.baseUrl
).pipe(Flag.optional)

/** `--timeout SECONDS`: the idle timeout of a request (default `X_MEDIA_TIMEOUT`, else 60). */
export const timeout = withVariable(
  Flag.String("timeout").pipe(
    Flag.withMetavar("SECONDS"),
    Flag.withDescription(
      `Give up on a request after this many seconds without progress (no byte sent, no answer). Default: ${timeoutVariable}, else 60. ` +
        "Raise it on a slow or unsteady link."
    )
  ),
  "timeout",
  timeoutVariable
).pipe(Flag.optional)

/** The variable of `--max-rate-limit-wait`. */
export const maxRateLimitWaitVariable = "X_MEDIA_MAX_RATE_LIMIT_WAIT"

/** `--max-rate-limit-wait SECONDS`: the longest wait for a rate-limit window (default the variable, else 900). */
export const maxRateLimitWait = withVariable(
  Flag.String("max-rate-limit-wait").pipe(
    Flag.withMetavar("SECONDS"),
    Flag.withDescription(
      "The longest wait, each time, for X's rate-limit window to reset or a Retry-After to pass; a longer one fails " +
        `at once. In seconds; 0 never waits. Default: ${maxRateLimitWaitVariable}, else 900 (X's 15-minute window).`
    )
  ),
  "max-rate-limit-wait",
  maxRateLimitWaitVariable
).pipe(Flag.optional)

/** `--auth oauth1|oauth2`: which configured credentials to use. */
export const auth = Flag.Literals("auth", ["oauth1", "oauth2"]).pipe(
  Flag.withDescription(
    "Credentials to use: oauth1 (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) or " +
      "oauth2 (X_OAUTH2_ACCESS_TOKEN, v2 only). Default: OAuth 1.0a when all four are set, else OAuth 2.0."
  ),
  Flag.optional
)

/** `--json`: one JSON object on stdout, the result or the error. */
export const json = Flag.Boolean("json").pipe(
  Flag.withDescription("Print exactly one JSON object on stdout: the result, or {\"error\":{…}}."),
  Flag.withDefault(false)
)

/** The flags of `ClientSettings`: `--api`, `--base-url`, `--auth`, `--timeout`, `--max-rate-limit-wait`. */
export const client = { api, baseUrl, auth, timeout, maxRateLimitWait } as const
