import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { SteadError } from '../../shared/errors.js';

/** A call the application is waiting for. seq is 0 until the call is sent. */
export interface PendingCall {
  method: string;
  args: unknown[];
  seq: number;
  bytes: Uint8Array | null;
  /** The `answered` the bytes carry; a resend after more replies re-encodes with the newer one. */
  answered: number;
  /** When it was last sent (ms, monotonic clock). */
  sentAt: number;
  /** When the call fails with DEADLINE (ms, monotonic clock); one session timer watches them all. */
  deadlineAt: number;
  resolve(value: unknown): void;
  reject(error: SteadError): void;
}

/** A begin or end waiting for its reply. */
export interface PendingControl<T> {
  ref: Uint8Array;
  seq: number;
  bytes: Uint8Array;
  /** When it was last sent (ms, monotonic clock). */
  sentAt: number;
  deadline: TimerHandle | null;
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: SteadError): void;
}

/** A begin or end, with its deadline armed: `onDeadline` runs if no answer comes in time. */
export function pendingControl<T>(
  clock: Clock,
  message: { ref: Uint8Array; seq: number; bytes: Uint8Array },
  deadlineMs: number,
  onDeadline: () => void,
): PendingControl<T> {
  return { ...message, sentAt: -Infinity, deadline: clock.setTimeout(onDeadline, deadlineMs), ...deferred<T>() };
}

/** The answer came (or the session gave up): the deadline no longer applies. */
export function settleControl(clock: Clock, control: PendingControl<unknown>): void {
  if (control.deadline) clock.clearTimeout(control.deadline);
  control.deadline = null;
}

export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: SteadError): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: SteadError) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
