import { SteadError } from '../../shared/errors.js';

/**
 * How far a session's notifications have been handled: every seq up to `seq` of the queue
 * `epoch`. Seqs count within an epoch; a queue made anew (its record lost) has another epoch.
 */
export interface NotificationPosition {
  epoch: Uint8Array;
  seq: number;
}

/**
 * A place the session keeps its notification position across device restarts (docs/sessions.md,
 * "Notifications across device restarts"): loaded before the first hello, saved after the
 * handlers of a notification returned and before it is acknowledged.
 */
export interface NotificationCursor {
  load(): Promise<NotificationPosition | null>;
  save(position: NotificationPosition): Promise<void>;
}

/** Where delivery resumes, and who records how far it got. */
export interface NotificationOptions {
  /** The session keeps the position in this cursor (for example `fileCursor(path)`). */
  cursor?: NotificationCursor;
  /**
   * App-owned: the position the app committed together with its last durable effect (null
   * when it has none yet). Handlers commit `info.epoch` and `info.seq` with their own effect;
   * the session saves nothing.
   */
  resumeAfter?: NotificationPosition | null;
}

/** A cursor that serves a fixed position and saves nothing: the app-owned mode. */
function appOwned(position: NotificationPosition | null): NotificationCursor {
  return { load: async () => position, save: async () => undefined };
}

/** The cursor the options ask for; null for the default (in memory, per process). */
export function cursorOf(options: NotificationOptions): NotificationCursor | null {
  if (options.cursor && options.resumeAfter !== undefined) {
    throw new SteadError('BAD_OPTIONS', 'give notifications a cursor or resumeAfter, not both');
  }
  if (options.cursor) return options.cursor;
  if (options.resumeAfter === undefined) return null;
  const position = options.resumeAfter;
  if (position !== null && !isPosition(position)) {
    throw new SteadError('BAD_OPTIONS', 'resumeAfter is { epoch: Uint8Array, seq: integer ≥ 0 } or null');
  }
  return appOwned(position);
}

export function isPosition(value: unknown): value is NotificationPosition {
  const p = value as NotificationPosition | null;
  return (
    typeof p === 'object' && p !== null && p.epoch instanceof Uint8Array && p.epoch.length > 0 && Number.isSafeInteger(p.seq) && p.seq >= 0
  );
}
