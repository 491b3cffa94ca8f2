import type { SteadError } from '../../shared/errors.js';
import { Verb, type ResourceFrame } from '../../shared/wire/frames.js';
import { seenAt, seenIsStale } from '../record/idle.js';
import { withSession, type ProxyRecord } from '../record/record.js';
import { errorBytes, replyBytes, toSteadError } from '../record/replies.js';
import { withAnswer } from '../record/resources.js';
import type { TransactionResources } from '../transaction/resources.js';
import { Transaction, type Outcome, type TransactionEnv } from '../transaction/transaction.js';

/** What a resource request became: the next record (null: nothing changed) and its answer. */
export interface ResourceOutcome {
  record: ProxyRecord | null;
  bytes: Uint8Array;
  error: SteadError | null;
}

/**
 * A resource request over the wire (DESIGN §6), as a transaction of its own: the same verbs and
 * checks as from app code. A request that changed the record keeps its answer in that record
 * under `request` (its request key: ref, channel and content), so the answer commits with the
 * effect and the same request sent again gets it, not a second effect. Nothing of the proxy
 * changes here. The request is its client's activity on the session it names (`idleTtlMs`).
 */
export function runResource(env: TransactionEnv, record: ProxyRecord, frame: ResourceFrame, request: Uint8Array, idleTtlMs: number | null): ResourceOutcome {
  const tx = new Transaction(env, record, null);
  let outcome: Outcome;
  try {
    outcome = tx.finish(perform(tx.resources, frame));
  } catch (error) {
    outcome = tx.fail(error);
  }
  if (outcome.ok) {
    try {
      const bytes = replyBytes(frame.ref, 0, outcome.value, env.limits);
      const next = seen(record, outcome.record, frame.session, env.clock.now(), idleTtlMs);
      // Only a write's answer is kept: a read (written only to mark its session seen) runs
      // again harmlessly, and keeping its answer (a listing: up to a frame) would bloat the record.
      return { record: next && outcome.record ? withAnswer(next, request, bytes) : next, bytes, error: null };
    } catch (error) {
      outcome = { ok: false, error: toSteadError(error) };
    }
  }
  return { record: null, bytes: errorBytes(frame.ref, 0, outcome.error), error: outcome.error };
}

/**
 * A client using a session's resources is using the session (docs/sessions.md, idle sessions):
 * a write marks it seen, so the sweep never takes a value written a moment ago; a read, like a
 * read-only call, writes that only once `lastSeen` lags (record/idle.ts). Null: nothing to write.
 */
function seen(base: ProxyRecord, changed: ProxyRecord | null, name: string | null, now: number, idleTtlMs: number | null): ProxyRecord | null {
  const record = changed ?? base;
  const s = name === null ? undefined : record.sessions.get(name);
  if (!s || (changed === null && !seenIsStale(s, now, idleTtlMs))) return changed;
  return withSession(record, name as string, seenAt(s, now));
}

/** The verb, on the parts of the address the handler checked it has. */
function perform(resources: TransactionResources, frame: ResourceFrame): unknown {
  const session = frame.session as string;
  const key = frame.key as string;
  switch (frame.verb) {
    case Verb.new:
      return resources.newSession();
    case Verb.source:
      return resources.source(session, key);
    case Verb.sink:
      resources.sink(session, key, frame.value, { ttlMs: frame.options?.ttl, once: frame.options?.once });
      return null;
    case Verb.exists:
      return resources.exists(session, key);
    case Verb.delete:
      return resources.delete(session, key);
    case Verb.list:
      return frame.session === null ? resources.sessions(frame.options?.after ?? null) : resources.keys(frame.session);
  }
}
