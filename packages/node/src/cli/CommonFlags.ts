/**
 * The flags shared by the commands that talk to X: `--api`, `--base-url`, `--auth` and `--json`.
 *
 * @module
 */
import * as Flag from "effect/cli/Flag"
/** `--api v1|v2`: the dialect (default `X_MEDIA_API`, else v2). */
export const api = Flag.Literals("api", ["v1", "v2"]).pipe(
  Flag.withDescription("API dialect: v2 (api.x.com, the default) or v1 (upload.twitter.com/1.1). Overrides X_MEDIA_API."),
  Flag.optional
)

/** `--base-url URL`: scheme://host[:port] replacing the dialect's host (default `X_MEDIA_BASE_URL`). */
export const baseUrl = Flag.String("base-url").pipe(
  Flag.withMetavar("URL"),
  Flag.withDescription("scheme://host[:port] to send requests to instead of X's host. Overrides X_MEDIA_BASE_URL."),
  Flag.optional
)

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

/** The flags of {@link ClientSettings}: `--api`, `--base-url`, `--auth`. */
export const client = { api, baseUrl, auth } as const
