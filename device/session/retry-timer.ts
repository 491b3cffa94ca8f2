import type { Clock, TimerHandle } from '../../shared/clock.js';

/**
 * One timer per session for every resend (DESIGN §4: requests are resent with the same seq until
 * answered): armed while something waits for an answer, it hands `sweep` the time at or before
 * which a send is stale, every `retryMs`; the sweep resends those and arms it again if needed.
 * Send times and the stale instant are monotonic clock time: a wall clock stepped back does not
 * stop the resends.
 */
export class RetryTimer {
  readonly #clock: Clock;
  readonly #retryMs: number;
  readonly #sweep: (staleAt: number) => void;
  #timer: TimerHandle | null = null;

  constructor(clock: Clock, retryMs: number, sweep: (staleAt: number) => void) {
    this.#clock = clock;
    this.#retryMs = retryMs;
    this.#sweep = sweep;
  }

  arm(): void {
    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#sweep(this.#clock.monotonic() - this.#retryMs);
    }, this.#retryMs);
  }

  stop(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
