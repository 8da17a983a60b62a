/**
 * A duration as people read it in x-media's messages: seconds, with up to two decimals under 10 s
 * (`0.25 s`, `1.5 s`, `60 s`, `900 s`), so the number matches the seconds the options and flags take.
 */
export const secondsText = (millis: number): string => `${Number((millis / 1000).toFixed(millis < 10_000 ? 2 : 0))} s`
