/** Messages between the recovery bench (bench/recovery.ts) and its clients process. */

export type RecoveryParentMessage =
  /** Each device calls about once per `intervalMs` (and at once after a drop). */
  | { type: 'connect'; url: string; devices: number; connectBatch: number; intervalMs: number }
  /** The broker is about to be killed: forget earlier outages. */
  | { type: 'arm' }
  /** The broker was killed at `at` (wall-clock ms); report once every device has called again. */
  | { type: 'killed'; at: number; timeoutMs: number }
  | { type: 'exit' };

/** Per device, milliseconds after the kill; null if it did not happen before the timeout. */
export interface RecoveryRound {
  devices: number;
  /** When the device saw its connection drop. */
  lostMs: (number | null)[];
  /** When it was connected again. */
  reconnectedMs: (number | null)[];
  /** When its first call after the drop was answered. */
  recoveredMs: (number | null)[];
  /** Calls that failed (any error), counted since the fleet connected. */
  failures: number;
}

export type RecoveryChildMessage =
  | { type: 'ready' }
  | { type: 'connected'; setupMs: number }
  | { type: 'armed' }
  | { type: 'recovered'; round: RecoveryRound }
  | { type: 'failed'; message: string };
