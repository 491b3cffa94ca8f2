const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * When a live proxy must run without a request: its pulse (every N ms) and its earliest durable
 * timer. Each kind coalesces — at most one waits in the inbox (DESIGN §4) — and one timer handle
 * of each is reused.
 */
export class Wakeups {
  readonly #enqueue: (kind: 'pulse' | 'timer') => void;
  #pulse: ReturnType<typeof setInterval> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pulseQueued = false;
  #timerQueued = false;

  constructor(enqueue: (kind: 'pulse' | 'timer') => void) {
    this.#enqueue = enqueue;
  }

  startPulse(everyMs: number): void {
    if (this.#pulse) return;
    this.#pulse = setInterval(() => {
      if (this.#pulseQueued) return;
      this.#pulseQueued = true;
      this.#enqueue('pulse');
    }, everyMs);
    this.#pulse.unref();
  }

  /** Arms the timer wake-up for `at` (ms since the epoch), or disarms it for null. */
  timerAt(at: number | null, now: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (at === null) return;
    // setTimeout takes at most 2^31-1 ms (about 24.8 days); longer would fire at once, in a loop.
    // Waking early is harmless: nothing is due, and the timer is armed again.
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - now));
    this.#timer = setTimeout(() => {
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
    if (this.#pulse) clearInterval(this.#pulse);
    if (this.#timer) clearTimeout(this.#timer);
    this.#pulse = null;
    this.#timer = null;
  }
}
