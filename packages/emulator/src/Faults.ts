/**
 * Fault injection. A `FaultRule` says which requests to disturb (step, and optionally dialect, media id,
 * segment index) and which of them (the `nth` matching one, `times` in a row), and the `Fault` to apply.
 * Rules are checked after authentication and after the request's parameters are read. Every rule numbers
 * the requests it matches on its own (1, 2, 3 …, whether or not another rule fired on them), so `nth` is
 * an absolute position among the requests matching that rule; when several rules fire on one request, the
 * first in the list applies. `setFaults` replaces the rules and restarts the counts.
 *
 * ```ts
 * // the 2nd APPEND of segment 3 gets a 503, then the next FINALIZE is dropped without an answer
 * emulator.setFaults([
 *   { step: "APPEND", segmentIndex: 3, nth: 2, fault: Fault.httpError(503) },
 *   { step: "FINALIZE", fault: Fault.dropConnection() }
 * ])
 * ```
 *
 * @module
 */
import type { Dialect, Step } from "./Options.ts"

/**
 * What to do to a matched request.
 *
 * Faults that answer in place of the emulator (the request has no other effect):
 * - `HttpError`: the given 5xx (or any) status; `body`/`contentType` default to X's envelope for the dialect.
 * - `DropConnection`: the socket is destroyed without any answer.
 * - `RateLimited`: 429 code 88 with `x-rate-limit-remaining: 0` and `x-rate-limit-reset` `resetAfterSecs` ahead.
 * - `MalformedBody`: the given body and content type (truncated JSON, an HTML page, an empty 200 …).
 * - `StringErrors`: `{"errors":["internal server error"]}` (strings, not objects), status 500 by default.
 * - `RetryAfter`: 503 (X's 5xx body) or 429 (code 88) with a `Retry-After` header, in delta seconds or as an
 *   HTTP date, and optionally `x-rate-limit-remaining: 0` with `x-rate-limit-reset` `resetAfterSecs` ahead.
 * - `NeverAnswer`: the body is read, then the connection stays open and no answer ever comes (until the
 *   client gives up or the emulator stops).
 *
 * Faults after which the request is handled normally:
 * - `Delay`: waits `millis` first (a slow answer).
 * - `ProcessingStuck`: the media's processing shows `in_progress` with an `InvalidMedia` error and no
 *   `check_after_secs`, from this answer on (as X sometimes does instead of `failed`).
 * - `ProcessingFailed`: the media's processing shows `failed` with the given error from this answer on.
 * - `Expire`: the media id expires now, so this request is refused as expired.
 */
export type Fault =
  | { readonly _tag: "HttpError"; readonly status: number; readonly body?: string; readonly contentType?: string }
  | { readonly _tag: "DropConnection" }
  | { readonly _tag: "RateLimited"; readonly resetAfterSecs: number }
  | { readonly _tag: "Delay"; readonly millis: number }
  | { readonly _tag: "MalformedBody"; readonly status: number; readonly body: string; readonly contentType: string }
  | { readonly _tag: "StringErrors"; readonly status: number; readonly messages: ReadonlyArray<string> }
  | {
    readonly _tag: "RetryAfter"
    readonly status: number
    readonly seconds: number
    readonly form: RetryAfterForm
    readonly resetAfterSecs: number | undefined
  }
  | { readonly _tag: "NeverAnswer" }
  | { readonly _tag: "ProcessingStuck"; readonly message: string }
  | {
    readonly _tag: "ProcessingFailed"
    readonly code: number
    readonly name: string
    readonly message: string
  }
  | { readonly _tag: "Expire" }

/**
 * How `Retry-After` is written: `seconds` (`Retry-After: 5`) or `http-date`
 * (`Retry-After: Wed, 21 Oct 2026 07:28:05 GMT`, the emulator clock's now plus the seconds, rounded up to a
 * whole second).
 */
export type RetryAfterForm = "seconds" | "http-date"

/** The name of a fault kind (`HttpError`, `DropConnection`, …). */
export type FaultTag = Fault["_tag"]

/**
 * Which requests a fault applies to. `step` is required; `dialect`, `mediaId` and `segmentIndex` narrow it.
 * Of the matching requests, the rule fires on number `nth` (1-based, default 1) and the `times - 1` after it
 * (`times` default 1; `Infinity` for every one from `nth` on).
 */
export interface FaultRule {
  readonly step: Step
  readonly dialect?: Dialect
  readonly mediaId?: string
  readonly segmentIndex?: number
  readonly nth?: number
  readonly times?: number
  readonly fault: Fault
}

/** Constructors for every fault, with X-like defaults. */
export const Fault = {
  /** An error status (default 503) with X's body for the dialect, or the given body. */
  httpError: (status = 503, body?: { readonly body: string; readonly contentType?: string }): Fault =>
    body === undefined
      ? { _tag: "HttpError", status }
      : body.contentType === undefined
      ? { _tag: "HttpError", status, body: body.body }
      : { _tag: "HttpError", status, body: body.body, contentType: body.contentType },
  /** Destroy the connection without answering. */
  dropConnection: (): Fault => ({ _tag: "DropConnection" }),
  /** 429 code 88 with the window resetting `resetAfterSecs` (default 1) from now. */
  rateLimited: (resetAfterSecs = 1): Fault => ({ _tag: "RateLimited", resetAfterSecs }),
  /** Answer normally, `millis` late. */
  delay: (millis: number): Fault => ({ _tag: "Delay", millis }),
  /** Answer with exactly this body and content type (default status 200). */
  malformedBody: (body: string, contentType = "application/json", status = 200): Fault => ({
    _tag: "MalformedBody",
    status,
    body,
    contentType
  }),
  /** A JSON body cut off in the middle (default status 200). */
  truncatedJson: (status = 200): Fault => ({
    _tag: "MalformedBody",
    status,
    body: "{\"data\":{\"id\":\"18800281060205158",
    contentType: "application/json"
  }),
  /** An HTML error page such as a proxy sends (default status 502). */
  htmlPage: (status = 502): Fault => ({
    _tag: "MalformedBody",
    status,
    body: "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
    contentType: "text/html; charset=utf-8"
  }),
  /** `{"errors":["internal server error"]}` with status 500 (the v2 shape seen in 2025). */
  stringErrors: (status = 500, messages: ReadonlyArray<string> = ["internal server error"]): Fault => ({
    _tag: "StringErrors",
    status,
    messages
  }),
  /**
   * Answers `status` (503 by default, or 429) with `Retry-After: <seconds>` (or the HTTP date `seconds` ahead
   * with `form: "http-date"`); with `resetAfterSecs`, also `x-rate-limit-remaining: 0` and
   * `x-rate-limit-reset` that many seconds ahead.
   */
  retryAfter: (
    seconds: number,
    options: { readonly status?: number; readonly form?: RetryAfterForm; readonly resetAfterSecs?: number } = {}
  ): Fault => ({
    _tag: "RetryAfter",
    status: options.status ?? 503,
    seconds,
    form: options.form ?? "seconds",
    resetAfterSecs: options.resetAfterSecs
  }),
  /** Reads the request, then never answers: the connection stays open until the client gives up. */
  neverAnswer: (): Fault => ({ _tag: "NeverAnswer" }),
  /** Processing stays `in_progress` with an `InvalidMedia` error and no `check_after_secs`. */
  processingStuck: (message = "file is invalid"): Fault => ({ _tag: "ProcessingStuck", message }),
  /** Processing ends `failed` with this error (default code 1, InvalidMedia, "Unsupported video format"). */
  processingFailed: (
    error: { readonly code?: number; readonly name?: string; readonly message?: string } = {}
  ): Fault => ({
    _tag: "ProcessingFailed",
    code: error.code ?? 1,
    name: error.name ?? "InvalidMedia",
    message: error.message ?? "Unsupported video format"
  }),
  /** The media id expires now. */
  expire: (): Fault => ({ _tag: "Expire" })
} as const

/** What a request offers to the fault rules. */
export interface FaultTarget {
  readonly dialect: Dialect
  readonly step: Step
  readonly mediaId: string | undefined
  readonly segmentIndex: number | undefined
}

const validate = (rule: FaultRule): FaultRule => {
  const nth = rule.nth ?? 1
  const times = rule.times ?? 1
  const fault = rule.fault
  if (fault._tag === "RetryAfter") {
    if (!Number.isSafeInteger(fault.seconds) || fault.seconds < 0) {
      throw new RangeError(`Fault.retryAfter needs a whole number of seconds >= 0, got ${fault.seconds}`)
    }
    if (fault.resetAfterSecs !== undefined && !(Number.isFinite(fault.resetAfterSecs) && fault.resetAfterSecs >= 0)) {
      throw new RangeError(`Fault.retryAfter resetAfterSecs must be a number >= 0, got ${fault.resetAfterSecs}`)
    }
  }
  if (!Number.isSafeInteger(nth) || nth < 1) {
    throw new RangeError(`FaultRule.nth must be a whole number >= 1, got ${nth}`)
  }
  if (!(times === Infinity || (Number.isSafeInteger(times) && times >= 0))) {
    throw new RangeError(`FaultRule.times must be a whole number >= 0 or Infinity, got ${times}`)
  }
  return rule
}

/** The active rules and how many requests each has matched so far. */
export class FaultEngine {
  private rules: ReadonlyArray<FaultRule> = []
  private counts: Array<number> = []

  constructor(rules: ReadonlyArray<FaultRule>) {
    this.set(rules)
  }

  /** Replaces the rules and restarts their counts. Throws a `RangeError` for a nonsensical `nth`/`times`. */
  set(rules: ReadonlyArray<FaultRule>): void {
    this.rules = rules.map(validate)
    this.counts = rules.map(() => 0)
  }

  /** The active rules. */
  get active(): ReadonlyArray<FaultRule> {
    return this.rules
  }

  /**
   * Counts the request against every rule it matches (each rule numbers its own matches, whether or not
   * another rule fired), and returns the fault of the first rule whose window (`nth` … `nth + times - 1`)
   * contains its count.
   */
  match(target: FaultTarget): Fault | undefined {
    let fired: Fault | undefined
    for (let index = 0; index < this.rules.length; index++) {
      const rule = this.rules[index]
      if (rule === undefined || rule.step !== target.step) continue
      if (rule.dialect !== undefined && rule.dialect !== target.dialect) continue
      if (rule.mediaId !== undefined && rule.mediaId !== target.mediaId) continue
      if (rule.segmentIndex !== undefined && rule.segmentIndex !== target.segmentIndex) continue
      const count = (this.counts[index] ?? 0) + 1
      this.counts[index] = count
      const nth = rule.nth ?? 1
      const times = rule.times ?? 1
      if (fired === undefined && count >= nth && count < nth + times) fired = rule.fault
    }
    return fired
  }
}
