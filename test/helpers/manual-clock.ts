import type { Clock, TimerHandle } from '../../shared/clock.js';

interface Pending {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A clock that moves only when told (STYLE §6): `advance(ms)` runs every timer that comes due,
 * in time order, so tests drive pulses, timers and hold expiries without sleeping. Both clocks
 * start at `start`; `stepWall(ms)` moves the wall clock alone, as an NTP step does.
 */
export class ManualClock implements Clock {
  /** The monotonic time; timers run on it. */
  #now: number;
  /** How far the wall clock was stepped from the monotonic one. */
  #wallOffset = 0;
  #order = 0;
  readonly #timers = new Map<TimerHandle, Pending>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now + this.#wallOffset;
  }

  monotonic(): number {
    return this.#now;
  }

  /** The wall clock jumps by `ms` (negative: back); the monotonic clock and the timers do not. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { manual: ++this.#order };
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), order: this.#order, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing what comes due (timers set by those run too, if due). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: [TimerHandle, Pending] | null = null;
      for (const entry of this.#timers) {
        if (entry[1].at <= until && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].order < next[1].order))) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = until;
  }
}
