import type { Clock, TimerHandle } from '../../shared/clock.js';

/**
 * Turns raw level samples into confirmed changes: a new level is reported once it has held for
 * `debounceMs` on the injected clock; a bounce back to the old level before then is dropped.
 * Both backends feed it (the simulator with driven levels, Linux with polled ones).
 */
export class Debouncer {
  #stable: boolean;
  #pending: boolean | null = null;
  #timer: TimerHandle | null = null;
  readonly #debounceMs: number;
  readonly #clock: Clock;
  readonly #onChange: (value: boolean, at: number) => void;

  constructor(initial: boolean, debounceMs: number, clock: Clock, onChange: (value: boolean, at: number) => void) {
    this.#stable = initial;
    this.#debounceMs = debounceMs;
    this.#clock = clock;
    this.#onChange = onChange;
  }

  sample(value: boolean): void {
    if (value === this.#stable) {
      this.#cancel();
      return;
    }
    if (value === this.#pending) return;
    this.#cancel();
    if (this.#debounceMs === 0) {
      this.#confirm(value);
      return;
    }
    this.#pending = value;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#pending = null;
      this.#confirm(value);
    }, this.#debounceMs);
  }

  stop(): void {
    this.#cancel();
  }

  #confirm(value: boolean): void {
    this.#stable = value;
    this.#onChange(value, this.#clock.now());
  }

  #cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
  }
}
