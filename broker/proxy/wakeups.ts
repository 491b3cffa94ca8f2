import type { Clock, TimerHandle } from '../../shared/clock.js';

/** setTimeout takes at most 2^31-1 ms (about 24.8 days); longer fires at once, in a loop. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** After a failed commit or load, the first retry waits this long; each failed retry doubles it. */
const RETRY_FIRST_MS = 100;
/**
 * The longest wait between retries while the store stays down: one load per proxy per interval
 * against a store that is down, and at most this long from the store's return to a due timer.
 */
const RETRY_MAX_MS = 30_000;

/**
 * When a live proxy must run without a request: its pulse (every N ms), its earliest durable
 * timer, and a retry after the store failed it (DESIGN §4 rule 9: a failed commit reloads; with
 * no request coming, only a wake-up brings the reload and the timers' firing). All on the
 * injected clock. Each kind coalesces — at most one waits in the inbox (DESIGN §4).
 */
export class Wakeups {
  readonly #clock: Clock;
  readonly #enqueue: (kind: 'pulse' | 'timer') => void;
  #pulse: TimerHandle | null = null;
  #pulseEvery = 0;
  #timer: TimerHandle | null = null;
  #pulseQueued = false;
  #timerQueued = false;
  /** Failures since the last confirmed commit: the retry backoff's exponent. */
  #failures = 0;
  /** While failing, no timer run before this (ms since the epoch): a store that takes loads but fails commits does not make a due timer spin. */
  #notBefore = 0;
  /** The armed timer is a retry after a failure; more failures meanwhile (other messages') change nothing. */
  #retrying = false;
  /** Stopped for good (the broker is closing): a late failure arms no retry that would keep the process alive. */
  #stopped = false;

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

  /**
   * Arms the timer wake-up for `at` (ms since the epoch), or disarms it for null; after failures,
   * no sooner than the backoff allows. A retry already armed stays: its run reloads if it must
   * and arms the wake-up again from the record.
   */
  timerAt(at: number | null): void {
    if (this.#retrying) return;
    this.#disarm();
    if (at === null) return;
    // Waking early is harmless: nothing is due, and the timer is armed again.
    this.#arm((this.#failures > 0 ? Math.max(at, this.#notBefore) : at) - this.#clock.now());
  }

  /**
   * The store failed a commit or a load: a timer run comes after the backoff (RETRY_FIRST_MS,
   * doubling per failed retry, up to RETRY_MAX_MS), whatever the record says — a failed load
   * leaves no record to say anything.
   */
  failed(): void {
    if (this.#retrying) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(this.#failures, 20));
    this.#failures++;
    this.#notBefore = this.#clock.now() + delay;
    this.#disarm();
    this.#retrying = true;
    this.#arm(delay);
  }

  /** A commit was confirmed: the store is back, timers run on time again. */
  succeeded(): void {
    this.#failures = 0;
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
    this.#stopped = true;
    if (this.#pulse) this.#clock.clearTimeout(this.#pulse);
    this.#pulse = null;
    this.#disarm();
  }

  #arm(delay: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#retrying = false;
      this.queueTimer();
    }, Math.min(MAX_TIMEOUT_MS, Math.max(0, delay)));
  }

  #disarm(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#retrying = false;
  }
}
