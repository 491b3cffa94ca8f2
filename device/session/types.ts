import type { Clock } from '../../shared/clock.js';
import type { Random } from '../../shared/random.js';

export interface SessionOptions {
  /** Per-call deadline; default 30 s. The call fails with DEADLINE, its outcome unknown. */
  deadlineMs?: number;
  /** Requests in flight at once; default 1 (DESIGN §4). */
  window?: number;
  /** Unanswered requests are sent again after this long; default 1 s. */
  retryMs?: number;
  /** Begin a new instance by itself when a call needs one; default true. */
  autoBegin?: boolean;
}

/** What a session needs from its device. */
export interface SessionLink {
  readonly clock: Clock;
  readonly random: Random;
  readonly agent: string;
  connected(): boolean;
  publish(payload: Uint8Array): void;
  subscribe(): Promise<void>;
  forget(): void;
}

export interface BeginResult {
  memento: unknown;
  crashed: boolean;
}
