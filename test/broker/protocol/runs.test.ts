import { describe, expect, it } from 'vitest';
import { SteadError } from '../../../shared/errors.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, Verb, type CallFrame, type ResourceFrame } from '../../../shared/wire/frames.js';
import { resourceStep } from '../../../broker/protocol/frames/resource.js';
import { settle } from '../../../broker/protocol/runs/settle.js';
import type { Run } from '../../../broker/protocol/step.js';
import { RESOURCE_ANSWER_BYTES, RESOURCE_CHANNELS, channelOf } from '../../../broker/record/resource-channels.js';
import type { ProxyRecord } from '../../../broker/record/record.js';
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

  it('the cache drops replies at or below answered, and never one above it', () => {
    const many = session({ nonce: n(1), lastSeq: 3, replies: new Map([1, 2, 3].map((seq) => [seq, new Uint8Array([seq])])) });
    const s = sessionAfter(settle(view(record({ kitchen: many })), callRun(4, 1), ok(1, null as never, []), NOW), 'kitchen');
    expect([...(s?.replies.keys() ?? [])]).toEqual([2, 3, 4]);
    // A span wider than the cache is refused before it runs (frames/call.ts), so none is evicted here.
    const small = sessionAfter(settle(view(record({ kitchen: many }), { limits: { replyCacheSize: 2 } }), callRun(4, 0), ok(1, null as never, []), NOW), 'kitchen');
    expect([...(small?.replies.keys() ?? [])]).toEqual([1, 2, 3, 4]);
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

const resource = (verb: number, fields: Partial<ResourceFrame> = {}): ResourceFrame => ({
  kind: Kind.resource, ref: n(50), seq: 1, answered: 0, verb: verb as ResourceFrame['verb'], session: 'kitchen', key: 'k', value: null, options: null, ...fields,
});
const resourceRun = (frame: ResourceFrame, topic = 'phone'): Run => ({ kind: 'resource', session: topic, frame });
const again = { again: true };

/** The record after `frames` on channel (phone, n(50)) each wrote and kept its answer. */
function written(rec: ProxyRecord, ...frames: ResourceFrame[]): ProxyRecord {
  let next = rec;
  for (const frame of frames) next = settle(view(next), resourceRun(frame), ok(null, next, []), NOW).record ?? next;
  return next;
}

describe('a resource frame (DESIGN §6; rule 3 for resource requests)', () => {
  const sink = (seq: number, answered = seq - 1, value: unknown = seq): ResourceFrame => resource(Verb.sink, { seq, answered, value });
  // The channel (phone, n(50)) wrote seqs 1–3; the client said it holds every answer up to 1.
  const three = written(base, sink(1, 0), sink(2, 0), sink(3, 1));
  const forgotten = { ...base, channelsForgotten: true };
  const withValue = record({ kitchen: session({ resources: new Map([['k', { value: 'v', expiresAt: null, once: true }]]) }) }, { channelsForgotten: true });
  const error = (code: string, seq: number) => ({ sends: [{ to: 'phone', kind: 'error', ref: hex(n(50)), seq, code: `STEAD_E_${code}` }], error: `STEAD_E_${code}` });
  const rows: { name: string; rec: ProxyRecord; frame: ResourceFrame; topic?: string; expected: Record<string, unknown> }[] = [
    { name: 'NEW names the proxy only', rec: base, frame: resource(Verb.new), expected: error('MALFORMED_FRAME', 1) },
    { name: 'a verb on a resource needs session and key', rec: base, frame: resource(Verb.source, { key: null }), expected: error('MALFORMED_FRAME', 1) },
    { name: 'a listing names no key', rec: base, frame: resource(Verb.list), expected: { error: 'STEAD_E_MALFORMED_FRAME' } },
    { name: 'a write of a new channel runs', rec: base, frame: sink(1), expected: { changed: false, sends: [], run: 'resource' } },
    { name: 'the next seq of a known channel runs', rec: three, frame: sink(4, 1), expected: { run: 'resource' } },
    { name: 'a write sent again gets the answer it had, never a second effect', rec: three, frame: sink(3, 1), expected: { changed: false, sends: [{ to: 'phone', kind: 'reply', ref: hex(n(50)), seq: 3, value: null }] } },
    { name: 'sent again with a newer answered (the same request), it still gets its answer', rec: three, frame: resource(Verb.sink, { seq: 3, answered: 2, value: 3, options: again }), expected: { sends: [{ kind: 'reply', seq: 3 }] } },
    { name: 'attack: a resend at the mark (its client settled it) is OUTCOME_UNKNOWN, never run again', rec: three, frame: sink(1, 0), expected: { ...error('OUTCOME_UNKNOWN', 1), changed: false } },
    { name: 'attack: a read at or below the mark is not run again either', rec: three, frame: resource(Verb.exists, { seq: 1, answered: 0 }), expected: error('OUTCOME_UNKNOWN', 1) },
    { name: 'attack: the same ref and seq naming another request never get its kept answer', rec: three, frame: resource(Verb.source, { seq: 3, answered: 1 }), expected: error('MALFORMED_FRAME', 3) },
    { name: 'attack: the same ref on another topic is another channel: its own run', rec: three, topic: 'tablet', frame: sink(3, 1), expected: { run: 'resource' } },
    { name: 'attack: a span wider than the kept answers is WINDOW_EXCEEDED', rec: three, frame: sink(1 + 17, 1), expected: error('WINDOW_EXCEEDED', 18) },
    { name: 'the span bound itself runs', rec: three, frame: sink(1 + 16, 1), expected: { run: 'resource' } },
    { name: 'a write sent again on a channel the record forgot (pushed out) is OUTCOME_UNKNOWN: it may have run', rec: forgotten, frame: resource(Verb.sink, { options: again }), expected: error('OUTCOME_UNKNOWN', 1) },
    { name: 'a DELETE or NEW sent again there likewise', rec: forgotten, frame: resource(Verb.delete, { options: again }), expected: error('OUTCOME_UNKNOWN', 1) },
    { name: 'a SOURCE sent again there that finds nothing is OUTCOME_UNKNOWN: it may have consumed it', rec: forgotten, frame: resource(Verb.source, { options: again }), expected: error('OUTCOME_UNKNOWN', 1) },
    { name: 'a SOURCE sent again there that finds the value runs: nothing consumed it', rec: withValue, frame: resource(Verb.source, { options: again }), expected: { run: 'resource' } },
    { name: 'a request not sent before runs on a record that forgot channels', rec: forgotten, frame: sink(1), expected: { run: 'resource' } },
    { name: 'a write sent again runs on a record that never forgot a channel: it never ran', rec: base, frame: resource(Verb.sink, { options: again }), expected: { run: 'resource' } },
  ];
  for (const row of rows) {
    it(row.name, () => expect(summary(resourceStep(view(row.rec), row.topic ?? 'phone', row.frame, NOW))).toMatchObject(row.expected));
  }

  it('a channel made anew after the record forgot some vouches only from its first write on', () => {
    const anew = written(forgotten, sink(5, 3));
    expect(channelOf(anew, 'phone', n(50))).toMatchObject({ answered: 3, since: 5 });
    expect(summary(resourceStep(view(anew), 'phone', resource(Verb.sink, { seq: 4, answered: 3, options: again }), NOW))).toMatchObject(error('OUTCOME_UNKNOWN', 4));
    expect(summary(resourceStep(view(anew), 'phone', sink(6, 4), NOW))).toMatchObject({ run: 'resource' });
  });

  it('a write settles durable and keeps its answer in its channel; the mark drops what the client holds', () => {
    const write = settle(view(three), resourceRun(sink(4, 3)), ok(null, three, []), NOW);
    expect(summary(write)).toMatchObject({ changed: true, durable: true, sends: [{ kind: 'reply', seq: 4, value: null }] });
    const channel = write.record && channelOf(write.record, 'phone', n(50));
    expect({ answered: channel?.answered, kept: [...(channel?.answers.keys() ?? [])] }).toEqual({ answered: 3, kept: [4] });
  });

  it('a read keeps nothing and writes nothing; a refused verb answers its error, nothing changes', () => {
    const read = settle(view(base), resourceRun(resource(Verb.exists)), ok(false, null as never, []), NOW);
    expect(summary(read)).toEqual({ changed: false, durable: false, sends: [expect.objectContaining({ kind: 'reply', seq: 1, value: false })] });
    const refused = settle(view(base), resourceRun(sink(1)), failed(new SteadError('RESOURCE_LIMIT', 'full')), NOW);
    expect(summary(refused)).toMatchObject({ changed: false, durable: false, error: 'STEAD_E_RESOURCE_LIMIT', sends: [{ kind: 'error', seq: 1 }] });
  });

  it(`answers of one channel are never pushed out by others' writes; past ${RESOURCE_CHANNELS} channels the least recently used is forgotten`, () => {
    let rec = written(base, sink(1, 0));
    for (let i = 0; i < RESOURCE_CHANNELS - 1; i++) rec = settle(view(rec), resourceRun(sink(1, 0), `c${i}`), ok(null, rec, []), NOW).record ?? rec;
    // 64 channels: the first one still answers its write; nothing forgotten.
    expect(summary(resourceStep(view(rec), 'phone', sink(1, 0), NOW))).toMatchObject({ sends: [{ kind: 'reply', seq: 1 }] });
    expect(rec.channelsForgotten).toBeUndefined();
    // Its own later writes keep it recent; one more channel pushes out the least recently used.
    rec = written(rec, sink(2, 0));
    rec = settle(view(rec), resourceRun(sink(1, 0), 'newest'), ok(null, rec, []), NOW).record ?? rec;
    expect(rec.resourceChannels?.size).toBe(RESOURCE_CHANNELS);
    expect(rec.channelsForgotten).toBe(true);
    expect(channelOf(rec, 'c0', n(50))).toBeUndefined();
    expect(summary(resourceStep(view(rec), 'phone', sink(2, 0), NOW))).toMatchObject({ sends: [{ kind: 'reply', seq: 2 }] });
    expect(summary(resourceStep(view(rec), 'c0', resource(Verb.sink, { value: 1, options: again }), NOW))).toMatchObject({ error: 'STEAD_E_OUTCOME_UNKNOWN' });
  });

  it(`kept answers over ${RESOURCE_ANSWER_BYTES} bytes in all push out the least recently used channels, never the one written`, () => {
    const big = 'x'.repeat(60_000);
    let rec = base;
    for (let i = 0; i < 20; i++) {
      rec = settle(view(rec), resourceRun(resource(Verb.source), `c${i}`), ok(big, rec, []), NOW).record ?? rec;
    }
    let total = 0;
    for (const channel of rec.resourceChannels?.values() ?? []) for (const answer of channel.answers.values()) total += answer.bytes.length;
    expect(total).toBeLessThanOrEqual(RESOURCE_ANSWER_BYTES);
    expect(channelOf(rec, 'c19', n(50))).toBeDefined();
    expect(channelOf(rec, 'c0', n(50))).toBeUndefined();
    expect(rec.channelsForgotten).toBe(true);
  });
});
