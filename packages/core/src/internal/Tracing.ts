/**
 * Spans on the path of every request, made only while the fiber's tracing is on.
 *
 * effect makes a span for every `Effect.fn(name)` call and `Effect.withSpan` even with tracing off
 * (`References.TracerEnabled` false, as the `x-media` command runs): a no-op span, a context holding
 * it, its end on exit, and for `Effect.fn` a stack frame with a captured `Error`. Nothing reads them,
 * and on the path of every APPEND they cost about 0.1 ms each of cold code (bench/RESULTS.md). With
 * tracing on, everything is as effect makes it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"

/**
 * `traced` (an `Effect.fn(name)`) while the calling fiber's tracing is on, else `untraced` (the same
 * body as `Effect.fnUntraced`).
 */
export const fnWhileTracing = <Args extends ReadonlyArray<unknown>, A, E, R>(
  traced: (...args: Args) => Effect.Effect<A, E, R>,
  untraced: (...args: Args) => Effect.Effect<A, E, R>
) =>
(...args: Args): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => (fiber.getRef(References.TracerEnabled) ? traced : untraced)(...args))
