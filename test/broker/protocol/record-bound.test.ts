import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION, Verb, type ResourceFrame } from '../../../shared/wire/frames.js';
import { ackStep } from '../../../broker/protocol/frames/ack.js';
import { beginStep } from '../../../broker/protocol/frames/begin.js';
import { settle } from '../../../broker/protocol/runs/settle.js';
import type { Run, Step } from '../../../broker/protocol/step.js';
import { recordBytes } from '../../../broker/record/record-codec.js';
import type { ProxyRecord } from '../../../broker/record/record.js';
import type { Outcome } from '../../../broker/transaction/transaction.js';
import { NOW, n, record, session, summary, view } from './tables.js';

/**
 * The record bound (limits.maxRecordBytes, docs/stores.md) as a table: rows of (the record before,
 * what the step would make of it) → whether it is refused with RECORD_TOO_LARGE and what is kept.
 * The bound is set just above the base record, so "grows past" is a record larger than the bound
 * and than the base; "at the bound" is a base already over it (a limit lowered since).
 */

const queued = (count: number) => ({
  ...session().queue,
  items: Array.from({ length: count }, (_, i) => ({ seq: i + 1, payload: 'x'.repeat(100), key: null })),
  lastSeq: count,
});
const kitchen = session({ nonce: n(1), lastSeq: 3, queue: queued(4) });
const base = record({ kitchen }, { stateBytes: new Uint8Array(50) });
const BOUND = recordBytes(base) + 300;
const grown = (extra: number): ProxyRecord => ({ ...base, stateBytes: new Uint8Array(50 + extra) });
const note = { session: 'kitchen', bytes: encodeFrame({ kind: Kind.notify, seq: 5, payload: 'ding', dropped: 0 }) };
const ok = (rec: ProxyRecord | null): Outcome => ({ ok: true, value: 'done', record: rec, notifications: [note] });

const callRun: Run = { kind: 'call', session: 'kitchen', frame: { kind: Kind.call, nonce: n(1), seq: 4, answered: 3, method: 'm', args: [] } };
const due = { id: 1, at: NOW - 1, method: 'ring', args: [] };
const sink: ResourceFrame = { kind: Kind.resource, ref: n(50), seq: 1, answered: 0, verb: Verb.sink, session: 'kitchen', key: 'k', value: 1, options: null };
const resourceRun: Run = { kind: 'resource', session: 'kitchen', frame: sink };

/** A view over `rec` with the bound just above the base record. */
const bounded = (rec: ProxyRecord) => view(rec, { limits: { maxRecordBytes: BOUND } });
/** The base, already over the bound. */
const over = grown(400);

describe('the record bound (limits.maxRecordBytes)', () => {
  const rows: { name: string; step: () => Step; expected: Record<string, unknown> }[] = [
    // A method's commit: all of it, or the error as its cached reply and nothing of it.
    { name: 'a method whose commit stays within the bound commits, its notifications leave', step: () => settle(bounded(base), callRun, ok(grown(50)), NOW), expected: { durable: true, sends: [{ kind: 'reply', value: 'done' }, { kind: 'notify' }] } },
    { name: 'a method whose commit grows the record past the bound fails: RECORD_TOO_LARGE is its reply, nothing of it kept', step: () => settle(bounded(base), callRun, ok(grown(500)), NOW), expected: { durable: false, error: 'STEAD_E_RECORD_TOO_LARGE', sends: [{ kind: 'error', seq: 4, code: 'STEAD_E_RECORD_TOO_LARGE' }] } },
    { name: 'at the bound, a method that grows the record further fails', step: () => settle(bounded(over), callRun, ok(grown(410)), NOW), expected: { error: 'STEAD_E_RECORD_TOO_LARGE' } },
    { name: 'at the bound, a method that shrinks the record commits: the app can get back under it', step: () => settle(bounded(over), callRun, ok(grown(10)), NOW), expected: { durable: true, sends: [{ kind: 'reply' }, { kind: 'notify' }] } },
    { name: 'at the bound, a method that changes nothing is answered', step: () => settle(bounded(over), callRun, ok(null), NOW), expected: { durable: false, sends: [{ kind: 'reply', value: 'done' }, { kind: 'notify' }] } },
    // Timers and the pulse: nobody to answer; like a method that throws.
    { name: 'a timer whose method would pass the bound is dropped with a warning, its removal committed', step: () => settle(bounded({ ...base, timers: [due] }), { kind: 'timer', due }, ok({ ...grown(500), timers: [] }), NOW), expected: { durable: true, sends: [], warning: 'STEAD_E_RECORD_TOO_LARGE' } },
    { name: 'a pulse that would pass the bound changes nothing, with a warning', step: () => settle(bounded(base), { kind: 'pulse' }, ok(grown(500)), NOW), expected: { changed: false, durable: false, sends: [], warning: 'STEAD_E_RECORD_TOO_LARGE' } },
    // Resource writes over the wire.
    { name: 'a resource write that would pass the bound is answered RECORD_TOO_LARGE, nothing kept', step: () => settle(bounded(base), resourceRun, ok(grown(500)), NOW), expected: { changed: false, durable: false, error: 'STEAD_E_RECORD_TOO_LARGE', sends: [{ kind: 'error', code: 'STEAD_E_RECORD_TOO_LARGE' }] } },
    { name: 'a resource write within the bound commits', step: () => settle(bounded(base), resourceRun, ok(grown(10)), NOW), expected: { changed: true, durable: true } },
    // Sessions: a begin that would make one, and the bookkeeping of one the proxy keeps.
    { name: 'at the bound, a begin that would make a new session is refused', step: () => beginStep(bounded(over), 'hall', { kind: Kind.begin, version: PROTOCOL_VERSION, token: n(20), info: null }, NOW), expected: { changed: false, error: 'STEAD_E_RECORD_TOO_LARGE', sends: [{ kind: 'error', code: 'STEAD_E_RECORD_TOO_LARGE' }] } },
    { name: 'within the bound, a begin makes its session', step: () => beginStep(bounded(base), 'hall', { kind: Kind.begin, version: PROTOCOL_VERSION, token: n(20), info: null }, NOW), expected: { changed: true, durable: true } },
    { name: 'at the bound, a begin of a session the proxy keeps is answered (its instance acknowledges)', step: () => beginStep(bounded(over), 'kitchen', { kind: Kind.begin, version: PROTOCOL_VERSION, token: n(20), info: null }, NOW), expected: { changed: true, durable: true, sends: [{ kind: 'reply' }] } },
    { name: 'at the bound, an ack shrinks the queue and commits', step: () => ackStep(bounded(over), 'kitchen', { kind: Kind.ack, nonce: n(1), seq: 4 }, NOW), expected: { changed: true, durable: true } },
  ];
  for (const row of rows) it(row.name, () => expect(summary(row.step())).toMatchObject(row.expected));

  it('a refused method keeps its error as the cached reply, and the state it would have written is not the record’s', () => {
    const step = settle(bounded(base), callRun, ok(grown(500)), NOW);
    expect(step.record?.stateBytes.length).toBe(50);
    expect(step.record?.sessions.get('kitchen')?.replies.has(4)).toBe(true);
    expect(step.record?.sessions.get('kitchen')?.queue.lastSeq).toBe(4);
  });
});
