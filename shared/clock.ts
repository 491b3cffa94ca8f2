/**
 * Time is injected (STYLE §6), so deadlines, pulses, timers and hold expiries are testable. Two
 * clocks: `now` is the wall clock, for what the protocol stamps and compares across machines
 * (connect tokens, durable timers' `at`, expiry times in records); `monotonic` never goes back,
 * for durations on one machine (retry intervals, deadlines), so an NTP step of the wall clock
 * neither stalls nor rushes them. `setTimeout` runs on the monotonic clock, as Node's does.
 */
export interface Clock {
  /** Wall-clock time, ms since the epoch; may jump either way. */
  now(): number;
  /** ms from an arbitrary origin; never goes back. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque: whatever the clock hands out, it takes back in clearTimeout. */
export type TimerHandle = object;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
