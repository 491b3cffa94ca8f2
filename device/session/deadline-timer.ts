import type { Clock, TimerHandle } from '../../shared/clock.js';

/**
 * One timer for every call's deadline in a session, armed for the earliest and moved only when
 * it fires: calls that finish in time cost no timer work (the hot path makes many of them).
 */
export class DeadlineTimer {
  readonly #clock: Clock;
  readonly #onFire: () => void;
  #timer: TimerHandle | null = null;
  #at = Infinity;

  /** `onFire` expires what is due, then arms the timer again for what is left. */
  constructor(clock: Clock, onFire: () => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  /** Makes sure the timer fires no later than `at` (ms, monotonic clock); Infinity does nothing. */
  arm(at: number): void {
    if (at === Infinity || (this.#timer && this.#at <= at)) return;
    this.stop();
    this.#at = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#at = Infinity;
      this.#onFire();
    }, Math.max(0, at - this.#clock.monotonic()));
  }

  stop(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#at = Infinity;
  }
}
