/**
 * The version of @x-media/node, read from its package.json, so `npm run set-version` is the one place
 * to change it. This module sits one level below the package root in every form it runs in (`src/`,
 * `dist/`, and the bundled `dist/x-media.js`), so `../package.json` is always the package's.
 *
 * @internal
 */
import { createRequire } from "node:module"

/** The package's version, or `"unknown"` when its package.json cannot be read as expected. */
export const version: string = (() => {
  const manifest: unknown = createRequire(import.meta.url)("../package.json")
  return typeof manifest === "object" && manifest !== null && "version" in manifest &&
      typeof manifest.version === "string"
    ? manifest.version
    : "unknown"
})()
