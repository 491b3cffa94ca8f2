import type { SteadError } from '../../shared/errors.js';
import type { DeviceKey } from '../../shared/identity/key-pair.js';

export interface CallOnceOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  broker: string;
  /** Topic root; default `stead`. */
  root?: string;
  /** Proxy address `<app>/<id>`. */
  proxy: string;
  /** Logical session name. */
  session: string;
  method: string;
  args: readonly unknown[];
  /** Deadline of each step (connect, begin, call, end) in ms; default 10 s. */
  deadlineMs?: number;
  /** Folder of the call journal; default `defaultJournalDir()`. */
  journalDir?: string;
  /** Abandon a journalled call whose outcome is unknown and start a new one (`--new`). */
  fresh?: boolean;
  /** The device key, or its key file, that signs the CONNECT (DESIGN §7); none: anonymous. */
  key?: DeviceKey | string;
  /** The broker's audience name; default `stead`. */
  audience?: string;
  /** Declared to the proxy at begin; default `stead-cli`. */
  agent?: string;
}

/**
 * How a call ended, one status per thing the caller must know. `resumed` says this run took up
 * the journalled call of an earlier run (its answer from the journal or the proxy's reply cache)
 * instead of making a new one; `warning` is a failed or late `end` (the answer stands).
 */
export type CallOutcome =
  /** The method ran (now or on an earlier run) and returned `value`. */
  | { readonly status: 'answered'; readonly value: unknown; readonly resumed: boolean; readonly warning: SteadError | null }
  /** The broker or the proxy answered with an error: the method had no effect. */
  | { readonly status: 'failed'; readonly error: SteadError; readonly resumed: boolean; readonly warning: SteadError | null }
  /** Nothing was sent: bad input, or an earlier call of the session is still unresolved. */
  | { readonly status: 'refused'; readonly error: SteadError }
  /** The call was sent and no answer came: run the same call again to learn its outcome. */
  | { readonly status: 'unknown'; readonly error: SteadError; readonly journal: string }
  /** The journalled instance was fenced or ended: whether the call ran can no longer be learned. */
  | { readonly status: 'lost'; readonly error: SteadError; readonly journal: string }
  /** The call was not sent: the broker could not be reached, or the begin or the journal failed. */
  | { readonly status: 'unsent'; readonly error: SteadError };

export type CallStatus = CallOutcome['status'];
