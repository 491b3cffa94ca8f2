import type { Clock, TimerHandle } from '../../shared/clock.js';

/** setTimeout takes at most 2^31-1 ms (about 24.8 days); longer fires at once, in a loop. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * When a live proxy must run without a request: its pulse (every N ms) and its earliest durable
 * timer, both on the injected clock. Each kind coalesces — at most one waits in the inbox
 * (DESIGN §4).
 */
export class Wakeups {
  readonly #clock: Clock;
  readonly #enqueue: (kind: 'pulse' | 'timer') => void;
  #pulse: TimerHandle | null = null;
  #pulseEvery = 0;
  #timer: TimerHandle | null = null;
  #pulseQueued = false;
  #timerQueued = false;

  constructor(clock: Clock, enqueue: (kind: 'pulse' | 'timer') => void) {
    this.#clock = clock;
    this.#enqueue = enqueue;
  }

  startPulse(everyMs: number): void {
    if (this.#pulse) return;
    this.#pulseEvery = everyMs;
    this.#armPulse();
  }

  #armPulse(): void {
    this.#pulse = this.#clock.setTimeout(() => {
      this.#armPulse();
      if (this.#pulseQueued) return;
      this.#pulseQueued = true;
      this.#enqueue('pulse');
    }, this.#pulseEvery);
  }

  /** Arms the timer wake-up for `at` (ms since the epoch), or disarms it for null. */
  timerAt(at: number | null): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    if (at === null) return;
    // Waking early is harmless: nothing is due, and the timer is armed again.
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - this.#clock.now()));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.queueTimer();
    }, delay);
  }

  /** Queues a timer run now, unless one already waits. */
  queueTimer(): void {
    if (this.#timerQueued) return;
    this.#timerQueued = true;
    this.#enqueue('timer');
  }

  /** The inbox reached the queued pulse or timer run. */
  taken(kind: 'pulse' | 'timer'): void {
    if (kind === 'pulse') this.#pulseQueued = false;
    else this.#timerQueued = false;
  }

  stop(): void {
    if (this.#pulse) this.#clock.clearTimeout(this.#pulse);
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#pulse = null;
    this.#timer = null;
  }
}
