import { SteadError, isSteadError } from '../../shared/errors.js';
import { decodeRecord } from '../record/record-codec.js';
import { EMPTY_RECORD, type ProxyRecord } from '../record/record.js';
import type { Store } from '../store/types.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { MethodContext } from '../transaction/context.js';
import { Transaction, type TransactionEnv } from '../transaction/transaction.js';

export interface Activated {
  record: ProxyRecord;
  /** The store version the record was read at (0: never written). */
  version: number;
}

/**
 * Activation, as steps: load the stored record, or build the first one with the app's `init`.
 * A first record is not written on its own: the proxy's first commit writes it.
 */
export async function activate(type: ProxyType, key: string, store: Store, env: TransactionEnv): Promise<Activated> {
  let stored;
  try {
    stored = await store.load(key);
  } catch (cause) {
    throw isSteadError(cause, 'STORE_FAILURE') ? cause : new SteadError('STORE_FAILURE', `loading ${key} failed`, { cause });
  }
  if (stored) return { record: decodeRecord(stored.record), version: stored.version };
  return { record: initialRecord(type, env), version: 0 };
}

/** Runs `init` in a transaction of its own; its effects (queues, timers) join the first record. */
function initialRecord(type: ProxyType, env: TransactionEnv): ProxyRecord {
  const tx = new Transaction(env, EMPTY_RECORD, null);
  let outcome;
  try {
    const state = type.init(new MethodContext<unknown>(tx));
    if (typeof (state as { then?: unknown } | null)?.then === 'function') {
      throw new SteadError('BAD_VALUE', `${type.name}: init returned a promise; it must return the first state itself`);
    }
    tx.state = state;
    outcome = tx.finish(undefined);
  } catch (error) {
    outcome = tx.fail(error);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.record ?? EMPTY_RECORD;
}
