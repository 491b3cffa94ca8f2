import { seenAt, seenIsStale } from '../record/idle.js';
import { withSession, type SessionRecord } from '../record/record.js';
import type { Release } from '../transaction/transaction.js';
import type { Step } from './step.js';
import type { ProtocolView } from './view.js';

/**
 * A session's bookkeeping changed (a begin, an end, an ack, a hello): the record with it, marked
 * seen when written. `durable` says the change must be written before its answer leaves; a change
 * that may be lost is written anyway once the session's `lastSeen` lags (record/idle.ts), so the
 * idle sweep learns of the activity.
 */
export function bookkeeping(view: ProtocolView, name: string, session: SessionRecord, durable: boolean, releases: readonly Release[], now: number): Step {
  const write = durable || seenIsStale(session, now, view.idleTtlMs);
  return { record: withSession(view.record, name, write ? seenAt(session, now) : session), durable: write, releases };
}
