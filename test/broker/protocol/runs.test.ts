import { describe, expect, it } from 'vitest';
import { SteadError } from '../../../shared/errors.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, Verb, type CallFrame, type ResourceFrame } from '../../../shared/wire/frames.js';
import { resourceStep } from '../../../broker/protocol/frames/resource.js';
import { settle } from '../../../broker/protocol/runs/settle.js';
import type { Run } from '../../../broker/protocol/step.js';
import { keptAnswer, requestKey, withAnswer } from '../../../broker/record/resources.js';
import type { Outcome } from '../../../broker/transaction/transaction.js';
import { NOW, hex, n, record, session, sessionAfter, summary, view } from './tables.js';

/** Rules 5–7 as tables: what a run's outcome comes to, and the resource frame's decisions. */

const call = (seq: number, answered: number): CallFrame => ({ kind: Kind.call, nonce: n(1), seq, answered, method: 'buy', args: [] });
const callRun = (seq: number, answered = seq - 1): Run => ({ kind: 'call', session: 'kitchen', frame: call(seq, answered) });
const begun = session({ nonce: n(1), lastSeq: 3, replies: new Map([3].map((seq) => [seq, encodeFrame({ kind: Kind.reply, ref: n(1), seq, value: 'r' })])) });
const base = record({ kitchen: begun });
const changed = record({ kitchen: begun }, { stateBytes: new Uint8Array([1]) });
const note = { session: 'kitchen', bytes: encodeFrame({ kind: Kind.notify, seq: 1, payload: 'ding', dropped: 0 }) };

const ok = (value: unknown, rec = changed, notifications = [note]): Outcome => ({ ok: true, value, record: rec, notifications });
const failed = (error: SteadError): Outcome => ({ ok: false, error });

describe('a call settles (rules 5–7)', () => {
  const rows: { name: string; outcome: Outcome; run?: Run; expected: Record<string, unknown> }[] = [
    { name: 'a method that changed state commits first; its reply, then its notifications, leave after', outcome: ok(7), expected: { changed: true, durable: true, answers: true, after: { session: 'kitchen', seq: 4 }, sends: [{ kind: 'reply', seq: 4, value: 7 }, { kind: 'notify', seq: 1 }] } },
    { name: 'rule 7: a method that changed nothing writes nothing; its reply still leaves', outcome: ok('read', null as never, []), expected: { changed: true, durable: false, sends: [{ kind: 'reply', value: 'read' }] } },
    { name: 'rule 6: an app error is the reply, cached; nothing of the method is kept', outcome: failed(new SteadError('APP_ERROR', 'no toast')), expected: { durable: false, error: 'STEAD_E_APP_ERROR', sends: [{ kind: 'error', seq: 4, code: 'STEAD_E_APP_ERROR' }] } },
    { name: 'a Stead error that does not answer calls leaves as APP_ERROR', outcome: failed(new SteadError('STORE_FAILURE', 'thrown by app code')), expected: { error: 'STEAD_E_APP_ERROR', sends: [{ kind: 'error', code: 'STEAD_E_APP_ERROR' }] } },
    { name: 'UNKNOWN_METHOD answers the call as itself', outcome: failed(new SteadError('UNKNOWN_METHOD', 'no such')), expected: { error: 'STEAD_E_UNKNOWN_METHOD' } },
    { name: 'a return value the device could not take fails the call, nothing kept', outcome: ok(() => 1), expected: { durable: false, sends: [{ kind: 'error', code: 'STEAD_E_BAD_VALUE' }] } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(summary(settle(view(base), row.run ?? callRun(4), row.outcome, NOW))).toMatchObject(row.expected);
    });
  }

  it('the reply joins the cache under its seq and lastSeq moves to it', () => {
    const s = sessionAfter(settle(view(base), callRun(4, 2), ok(7), NOW), 'kitchen');
    expect({ lastSeq: s?.lastSeq, cached: [...(s?.replies.keys() ?? [])] }).toEqual({ lastSeq: 4, cached: [3, 4] });
  });

  it('the cache drops replies at or below answered, and keeps at most replyCacheSize', () => {
    const many = session({ nonce: n(1), lastSeq: 3, replies: new Map([1, 2, 3].map((seq) => [seq, new Uint8Array([seq])])) });
    const s = sessionAfter(settle(view(record({ kitchen: many })), callRun(4, 1), ok(1, null as never, []), NOW), 'kitchen');
    expect([...(s?.replies.keys() ?? [])]).toEqual([2, 3, 4]);
    const small = sessionAfter(settle(view(record({ kitchen: many }), { limits: { replyCacheSize: 2 } }), callRun(4, 0), ok(1, null as never, []), NOW), 'kitchen');
    expect([...(small?.replies.keys() ?? [])]).toEqual([3, 4]);
  });

  it('a timer that fired is removed in the commit of its effect, even when its method failed', () => {
    const due = { id: 1, at: NOW - 1, method: 'ring', args: [] };
    const withTimer = record({}, { timers: [due], nextTimerId: 2 });
    const failedStep = settle(view(withTimer), { kind: 'timer', due }, failed(new SteadError('APP_ERROR', 'x')), NOW);
    expect(summary(failedStep)).toMatchObject({ changed: true, durable: true, sends: [], warning: 'STEAD_E_APP_ERROR' });
    expect(failedStep.record?.timers).toEqual([]);
    expect(summary(settle(view(withTimer), { kind: 'timer', due }, ok(null, record({}), []), NOW))).toMatchObject({ changed: true, durable: true });
  });

  it('a pulse that changed nothing writes nothing; a failed pulse is a warning, nobody is answered', () => {
    expect(summary(settle(view(base), { kind: 'pulse' }, ok(null, null as never, []), NOW))).toEqual({ changed: false, durable: false, sends: [] });
    expect(summary(settle(view(base), { kind: 'pulse' }, failed(new SteadError('APP_ERROR', 'x')), NOW))).toEqual({ changed: false, durable: false, sends: [], warning: 'STEAD_E_APP_ERROR' });
    expect(summary(settle(view(base), { kind: 'pulse' }, ok(null, changed, [note]), NOW))).toMatchObject({ changed: true, durable: true, sends: [{ kind: 'notify' }] });
  });
});

const resource = (verb: number, fields: Partial<ResourceFrame> = {}): ResourceFrame => ({ kind: Kind.resource, ref: n(50), verb: verb as ResourceFrame['verb'], session: 'kitchen', key: 'k', value: null, options: null, ...fields });

describe('a resource frame (DESIGN §6)', () => {
  const sink = resource(Verb.sink, { value: 1 });
  const kept = encodeFrame({ kind: Kind.reply, ref: n(50), seq: 0, value: null });
  const withKept = withAnswer(base, requestKey('kitchen', sink), kept);
  const rows: { name: string; rec: typeof base; frame: ResourceFrame; expected: Record<string, unknown> }[] = [
    { name: 'NEW names the proxy only', rec: base, frame: resource(Verb.new), expected: { sends: [{ kind: 'error', code: 'STEAD_E_MALFORMED_FRAME' }] } },
    { name: 'a verb on a resource needs session and key', rec: base, frame: resource(Verb.source, { key: null }), expected: { sends: [{ kind: 'error', code: 'STEAD_E_MALFORMED_FRAME' }] } },
    { name: 'a listing names no key', rec: base, frame: resource(Verb.list), expected: { error: 'STEAD_E_MALFORMED_FRAME' } },
    { name: 'a write runs', rec: base, frame: sink, expected: { changed: false, sends: [], run: 'resource' } },
    { name: 'a write sent again gets the answer it had, never a second effect', rec: withKept, frame: sink, expected: { changed: false, sends: [{ kind: 'reply', ref: hex(n(50)), value: null }] } },
    { name: 'the same ref on another channel is another request: it runs', rec: withKept, frame: resource(Verb.sink, { value: 2 }), expected: { run: 'resource' } },
    { name: 'attack: a SOURCE sent again whose answer was pushed out, nothing there now, is OUTCOME_UNKNOWN', rec: base, frame: resource(Verb.source, { options: { again: true } }), expected: { error: 'STEAD_E_OUTCOME_UNKNOWN' } },
  ];
  for (const row of rows) {
    it(row.name, () => expect(summary(resourceStep(view(row.rec), 'kitchen', row.frame, NOW))).toMatchObject(row.expected));
  }

  it('a write settles durable and keeps its answer in the record; a read keeps nothing and writes nothing', () => {
    const write = settle(view(base), { kind: 'resource', session: 'kitchen', frame: sink, request: requestKey('kitchen', sink) }, ok(null, changed, []), NOW);
    expect(summary(write)).toMatchObject({ changed: true, durable: true, sends: [{ kind: 'reply', value: null }] });
    expect(write.record && keptAnswer(write.record, requestKey('kitchen', sink))).toBeDefined();
    const read = settle(view(base), { kind: 'resource', session: 'kitchen', frame: resource(Verb.exists), request: new Uint8Array(1) }, ok(false, null as never, []), NOW);
    expect(summary(read)).toEqual({ changed: false, durable: false, sends: [expect.objectContaining({ kind: 'reply', value: false })] });
  });

  it('a refused verb answers its error, nothing changes', () => {
    const step = settle(view(base), { kind: 'resource', session: 'kitchen', frame: sink, request: new Uint8Array(1) }, failed(new SteadError('RESOURCE_LIMIT', 'full')), NOW);
    expect(summary(step)).toMatchObject({ changed: false, durable: false, error: 'STEAD_E_RESOURCE_LIMIT' });
  });
});
