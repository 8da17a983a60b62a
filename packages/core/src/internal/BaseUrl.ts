/**
 * Checking a base URL given by the user.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { InvalidOption } from "../Errors.ts"

/** Checks a base URL: http(s), no path, query or credentials. Returns it as scheme://host[:port]. */
export const validate = (raw: string): Effect.Effect<string, InvalidOption> => {
  const invalid = (detail: string) => Effect.fail(new InvalidOption({ option: "base URL", value: raw, detail }))
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return invalid("not a URL; expected scheme://host[:port], e.g. http://127.0.0.1:8080")
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return invalid("the scheme must be http or https")
  if (url.username !== "" || url.password !== "") return invalid("credentials do not belong in the URL")
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return invalid("give only scheme://host[:port], without a path or query")
  }
  return Effect.succeed(`${url.protocol}//${url.host}`)
}
