import type { Clock } from '../../shared/clock.js';
import type { Limits } from '../../shared/limits.js';
import type { Random } from '../../shared/random.js';
import type { NotificationOptions } from './notification-cursor.js';

export interface SessionOptions {
  /** Per-call deadline; default 30 s. The call fails with DEADLINE, its outcome unknown. */
  deadlineMs?: number;
  /** Requests in flight at once; default 1 (DESIGN §4). */
  window?: number;
  /** Unanswered requests are sent again after this long; default 1 s. */
  retryMs?: number;
  /**
   * Begin a new instance by itself when a call needs one, or a notification handler (acks need
   * an instance); default true.
   */
  autoBegin?: boolean;
  /** Where notification delivery resumes after a restart, and who keeps the position. */
  notifications?: NotificationOptions;
  /**
   * A folder where the session keeps the newest sealed blob its proxy sends (docs/sessions.md,
   * sealed session blobs); presented at connect and begin. Unset: no blobs.
   */
  blobDir?: string;
}

/** What a session needs from its device. */
export interface SessionLink {
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
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
