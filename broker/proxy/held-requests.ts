import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { CallFrame } from '../../shared/wire/frames.js';

interface Held {
  frame: CallFrame;
  timer: TimerHandle;
}

/**
 * DESIGN §4 rule 4: a request after a gap waits here until the gap fills, or until its hold
 * time runs out (the proxy then answers OUT_OF_ORDER). Held requests live in memory only: a
 * device resends anything unanswered.
 */
export class HeldRequests {
  readonly #bySession = new Map<string, Map<number, Held>>();
  readonly #clock: Clock;
  readonly #holdMs: number;
  readonly #onExpire: (session: string, seq: number) => void;

  constructor(clock: Clock, holdMs: number, onExpire: (session: string, seq: number) => void) {
    this.#clock = clock;
    this.#holdMs = holdMs;
    this.#onExpire = onExpire;
  }

  hold(session: string, frame: CallFrame): void {
    let held = this.#bySession.get(session);
    if (!held) this.#bySession.set(session, (held = new Map()));
    const previous = held.get(frame.seq);
    // A retry of a held seq keeps the original hold time: retries must not postpone OUT_OF_ORDER.
    if (previous) {
      previous.frame = frame;
      return;
    }
    const timer = this.#clock.setTimeout(() => this.#onExpire(session, frame.seq), this.#holdMs);
    held.set(frame.seq, { frame, timer });
  }

  /** Removes and returns the held request with this seq, if any. */
  take(session: string, seq: number): CallFrame | undefined {
    const held = this.#bySession.get(session);
    const entry = held?.get(seq);
    if (!held || !entry) return undefined;
    this.#clock.clearTimeout(entry.timer);
    held.delete(seq);
    if (held.size === 0) this.#bySession.delete(session);
    return entry.frame;
  }

  /** How many requests wait, over all sessions (for inspection; not on the hot path). */
  get size(): number {
    let n = 0;
    for (const held of this.#bySession.values()) n += held.size;
    return n;
  }

  drop(session: string): void {
    const held = this.#bySession.get(session);
    if (!held) return;
    for (const { timer } of held.values()) this.#clock.clearTimeout(timer);
    this.#bySession.delete(session);
  }

  clear(): void {
    for (const session of [...this.#bySession.keys()]) this.drop(session);
  }
}
