/**
 * @x-media/core: X (Twitter) media upload as Effect programs.
 *
 * @module
 */
export * as Dialect from "./Dialect.ts"
export * as Errors from "./Errors.ts"
export * as MediaId from "./MediaId.ts"
export * as RateLimit from "./RateLimit.ts"
