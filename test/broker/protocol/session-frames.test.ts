import { describe, expect, it } from 'vitest';
import { begunValue, encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION, type AckFrame, type BeginFrame, type EndFrame, type HelloFrame } from '../../../shared/wire/frames.js';
import { ackStep } from '../../../broker/protocol/frames/ack.js';
import { beginStep } from '../../../broker/protocol/frames/begin.js';
import { endStep } from '../../../broker/protocol/frames/end.js';
import { helloStep } from '../../../broker/protocol/frames/hello.js';
import { BEGIN_MEMORY_MS, RECENT_BEGINS, type SessionRecord } from '../../../broker/record/record.js';
import { NOW, hex, n, record, session, sessionAfter, summary, view } from './tables.js';

/** Rules 1, 2 and 8 and the notification bookkeeping: begin, end, ack and hello as tables. */

const begin = (token: Uint8Array, info: unknown = null): BeginFrame => ({ kind: Kind.begin, version: PROTOCOL_VERSION, token, info });
const end = (nonce: Uint8Array, seq = 5): EndFrame => ({ kind: Kind.end, nonce, seq });
const ack = (nonce: Uint8Array, seq: number): AckFrame => ({ kind: Kind.ack, nonce, seq });
const hello = (nonce: Uint8Array | null, acked: number, epoch: Uint8Array | null = n(900)): HelloFrame => ({ kind: Kind.hello, version: PROTOCOL_VERSION, acked, agent: 'test', nonce, epoch });

const begunReply = encodeFrame({ kind: Kind.reply, ref: n(10), seq: 0, value: begunValue({ nonce: n(1), memento: 'm', crashed: false }) });
/** A current instance (nonce 1, begun with token 10) with three notifications queued, one acked. */
const current = session({
  nonce: n(1), beginToken: n(10), begunReply, recentBegins: [{ token: n(10), at: NOW - 1000 }], lastSeq: 4, memento: 'm',
  queue: { ...session().queue, items: [2, 3].map((seq) => ({ seq, payload: `p${seq}`, key: null })), lastSeq: 3, acked: 1 },
});
const endedOne = session({ nonce: null, endedNonce: n(1), recentBegins: [{ token: n(10), at: NOW - 1000 }] });

const err = (code: string, ref: Uint8Array | null, seq = 0) => ({ kind: 'error', ref: hex(ref), seq, code: `STEAD_E_${code}` });
type Row = { name: string; s: SessionRecord | null; step: (v: ReturnType<typeof view>) => ReturnType<typeof beginStep>; expected: Record<string, unknown> };

const rows: Row[] = [
  // Rule 1.
  { name: 'begin on a new session: a new instance, durable, held requests dropped', s: null, step: (v) => beginStep(v, 'kitchen', begin(n(11)), NOW), expected: { changed: true, durable: true, dropHeld: ['kitchen'], sends: [{ kind: 'reply', ref: hex(n(11)), seq: 0, value: [hex(n(100)), null, false] }] } },
  { name: 'begin after an instance that did not end says crashed, with the memento', s: current, step: (v) => beginStep(v, 'kitchen', begin(n(11)), NOW), expected: { durable: true, sends: [{ kind: 'reply', value: [hex(n(100)), 'm', true] }] } },
  { name: 'the same begin again (its reply lost) gets the same answer, nothing changes', s: current, step: (v) => beginStep(v, 'kitchen', begin(n(10)), NOW), expected: { changed: false, durable: false, sends: [{ kind: 'reply', ref: hex(n(10)), value: [hex(n(1)), 'm', false] }] } },
  { name: 'attack: a late duplicate begin after an end starts nothing (STALE_INSTANCE)', s: endedOne, step: (v) => beginStep(v, 'kitchen', begin(n(10)), NOW), expected: { changed: false, sends: [err('STALE_INSTANCE', n(10))], refused: true } },
  { name: 'begin info over the bound is INFO_TOO_LARGE', s: null, step: (v) => beginStep(v, 'kitchen', begin(n(11), 'x'.repeat(2000)), NOW), expected: { changed: false, sends: [err('INFO_TOO_LARGE', n(11))] } },
  // Rule 8.
  { name: 'end of the current instance clears it, durable, held dropped', s: current, step: (v) => endStep(v, 'kitchen', end(n(1)), NOW), expected: { changed: true, durable: true, dropHeld: ['kitchen'], sends: [{ kind: 'reply', ref: hex(n(1)), seq: 5, value: null }] } },
  { name: 'a second end is harmless: the same answer, nothing changes', s: endedOne, step: (v) => endStep(v, 'kitchen', end(n(1)), NOW), expected: { changed: false, sends: [{ kind: 'reply', ref: hex(n(1)), value: null }] } },
  { name: 'end with a stale nonce fails', s: current, step: (v) => endStep(v, 'kitchen', end(n(2)), NOW), expected: { changed: false, sends: [err('STALE_INSTANCE', n(2), 5)] } },
  // Acks.
  { name: 'ack by the current instance drops acknowledged items, durable', s: current, step: (v) => ackStep(v, 'kitchen', ack(n(1), 2), NOW), expected: { changed: true, durable: true, sends: [] } },
  { name: 'ack of nothing new changes nothing', s: current, step: (v) => ackStep(v, 'kitchen', ack(n(1), 1), NOW), expected: { changed: false, sends: [] } },
  { name: 'ack past the queue’s last seq (a queue that went back) changes nothing', s: current, step: (v) => ackStep(v, 'kitchen', ack(n(1), 9), NOW), expected: { changed: false, sends: [] } },
  { name: 'rule 2: a fenced instance may not acknowledge', s: current, step: (v) => ackStep(v, 'kitchen', ack(n(2), 3), NOW), expected: { changed: false, sends: [err('STALE_INSTANCE', n(2))] } },
  { name: 'an ack without an instance is NOT_BEGUN', s: null, step: (v) => ackStep(v, 'kitchen', ack(n(2), 3), NOW), expected: { sends: [err('NOT_BEGUN', n(2))] } },
  // Hello.
  { name: 'hello answers the horizon and resends the unacknowledged queue in order', s: current, step: (v) => helloStep(v, 'kitchen', hello(n(1), 1), NOW), expected: { durable: false, sends: [{ kind: 'hello', acked: 3, epoch: hex(n(900)) }, { kind: 'notify', seq: 2 }, { kind: 'notify', seq: 3 }] } },
  { name: 'hello with an ack applies it first (durable) and resends only the rest', s: current, step: (v) => helloStep(v, 'kitchen', hello(n(1), 2), NOW), expected: { durable: true, sends: [{ kind: 'hello' }, { kind: 'notify', seq: 3 }] } },
  { name: 'hello from a fenced nonce: an error first, then the answer; its ack is not applied', s: current, step: (v) => helloStep(v, 'kitchen', hello(n(2), 3), NOW), expected: { durable: false, error: 'STEAD_E_STALE_INSTANCE', sends: [err('STALE_INSTANCE', n(2)), { kind: 'hello' }, { kind: 'notify', seq: 2 }, { kind: 'notify', seq: 3 }] } },
  { name: 'hello acking past the horizon in this epoch proves the queue went back: a new epoch, durable', s: current, step: (v) => helloStep(v, 'kitchen', hello(n(1), 7), NOW), expected: { durable: true, sends: [{ kind: 'hello', epoch: hex(n(100)) }, { kind: 'notify', seq: 2 }, { kind: 'notify', seq: 3 }] } },
  { name: 'hello in another epoch: its ack is not applied', s: current, step: (v) => helloStep(v, 'kitchen', hello(n(1), 3, n(901)), NOW), expected: { durable: false, sends: [{ kind: 'hello', epoch: hex(n(900)) }, { kind: 'notify' }, { kind: 'notify' }] } },
  // A hello makes no session: made-up names take no session slot and no record space.
  { name: 'hello for an unknown session: answered with no queue (no epoch), nothing made', s: null, step: (v) => helloStep(v, 'kitchen', hello(null, 0, null), NOW), expected: { changed: false, durable: false, sends: [{ kind: 'hello', acked: 0, epoch: null }] } },
  { name: 'hello for an unknown session naming an epoch and acks: the same, nothing made', s: null, step: (v) => helloStep(v, 'kitchen', hello(null, 7), NOW), expected: { changed: false, durable: false, sends: [{ kind: 'hello', acked: 0, epoch: null }] } },
  { name: 'hello for an unknown session from an instance: NOT_BEGUN first, then the no-queue answer', s: null, step: (v) => helloStep(v, 'kitchen', hello(n(2), 3), NOW), expected: { changed: false, durable: false, error: 'STEAD_E_NOT_BEGUN', sends: [err('NOT_BEGUN', n(2)), { kind: 'hello', epoch: null }] } },
];

describe('begin, end, ack and hello (DESIGN §4 rules 1, 2, 8; notifications)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const v = view(record(row.s ? { kitchen: row.s } : {}));
      expect(summary(row.step(v))).toMatchObject(row.expected);
    });
  }

  it('begin fences the old instance: the new nonce is current, seq restarts, replies go, the token is remembered', () => {
    const s = sessionAfter(beginStep(view(record({ kitchen: current })), 'kitchen', begin(n(11)), NOW), 'kitchen');
    expect({ nonce: hex(s?.nonce), lastSeq: s?.lastSeq, replies: s?.replies.size, tokens: s?.recentBegins.map((b) => [hex(b.token), b.at]) }).toEqual({ nonce: hex(n(100)), lastSeq: 0, replies: 0, tokens: [[hex(n(10)), NOW - 1000], [hex(n(11)), NOW]] });
  });

  it('end clears nonce and memento and remembers the ended nonce', () => {
    const s = sessionAfter(endStep(view(record({ kitchen: current })), 'kitchen', end(n(1)), NOW), 'kitchen');
    expect({ nonce: s?.nonce, memento: s?.memento, ended: hex(s?.endedNonce) }).toEqual({ nonce: null, memento: null, ended: hex(n(1)) });
  });

  it('a new session past the session limit is refused by begin (SESSION_LIMIT); a hello, which makes none, is answered', () => {
    const v = view(record({ a: session(), b: session() }), { limits: { maxSessionsPerProxy: 2 } });
    expect(summary(beginStep(v, 'c', begin(n(11)), NOW))).toMatchObject({ changed: false, error: 'STEAD_E_SESSION_LIMIT' });
    expect(summary(helloStep(v, 'c', hello(null, 0), NOW))).toEqual({ changed: false, durable: false, sends: [{ to: 'c', kind: 'hello', version: 1, acked: 0, agent: 'stead-broker', nonce: null, epoch: null }] });
    expect(summary(beginStep(v, 'a', begin(n(11)), NOW))).toMatchObject({ changed: true, durable: true });
  });

  it('a thousand hellos for made-up sessions leave the record as it was: a begin still makes its session', () => {
    let v = view(record({ a: session() }), { limits: { maxSessionsPerProxy: 2 } });
    for (let i = 0; i < 1000; i++) {
      const step = helloStep(v, `made-up-${i}`, hello(null, 0), NOW);
      if (step.record) v = view(step.record, { limits: { maxSessionsPerProxy: 2 } });
    }
    expect(v.record.sessions.size).toBe(1);
    expect(summary(beginStep(v, 'kitchen', begin(n(11)), NOW))).toMatchObject({ changed: true, durable: true });
  });

  it('activity that writes nothing is written once lastSeen lags a quarter of the idle TTL', () => {
    const fresh = session({ ...current, visits: { ...current.visits, lastSeen: NOW - 10 } });
    const lagging = session({ ...current, visits: { ...current.visits, lastSeen: NOW - 300 } });
    expect(summary(helloStep(view(record({ kitchen: fresh }), { idleTtlMs: 1000 }), 'kitchen', hello(n(1), 1), NOW)).durable).toBe(false);
    const step = helloStep(view(record({ kitchen: lagging }), { idleTtlMs: 1000 }), 'kitchen', hello(n(1), 1), NOW);
    expect(step.durable).toBe(true);
    expect(sessionAfter(step, 'kitchen')?.visits.lastSeen).toBe(NOW);
  });
});

/**
 * Begin tokens are remembered for the MQTT redelivery horizon (BEGIN_MEMORY_MS, a day), at most
 * RECENT_BEGINS of them: rows of (begins of the session, each token at a time, then one token
 * again at a time) → whether that begin starts an instance, and how many tokens the record keeps.
 */
describe('a begin arriving again (MQTT redelivery)', () => {
  type Begin = [token: number, at: number];
  /** Tokens 1, 2, 3 … one ms apart, from NOW. */
  const burst = (count: number, from = 1): Begin[] => Array.from({ length: count }, (_, i) => [from + i, NOW + i]);

  it.each<[string, Begin[], Begin, { starts: boolean; kept: number }]>([
    ['after one newer begin it starts nothing', burst(2), [1, NOW + 10], { starts: false, kept: 2 }],
    ['after 8 newer begins it still starts nothing', burst(9), [1, NOW + 100], { starts: false, kept: 9 }],
    ['after 40 newer begins within the day it still starts nothing', burst(41), [1, NOW + 100], { starts: false, kept: 41 }],
    ['an hour later it still starts nothing', burst(3), [1, NOW + 3_600_000], { starts: false, kept: 3 }],
    ['a day later, after a newer begin forgot it, it is a new begin', [[1, NOW], [2, NOW + BEGIN_MEMORY_MS]], [1, NOW + BEGIN_MEMORY_MS + 1], { starts: true, kept: 2 }],
    ['a flood of begins keeps the newest RECENT_BEGINS: the oldest is forgotten', burst(RECENT_BEGINS + 20), [1, NOW + 500], { starts: true, kept: RECENT_BEGINS }],
    ['a flood of begins keeps the newest RECENT_BEGINS: the last of them is remembered', burst(RECENT_BEGINS + 20), [21, NOW + 500], { starts: false, kept: RECENT_BEGINS }],
  ])('%s', (_name, begins, again, expected) => {
    let rec = record({});
    for (const [token, at] of begins) rec = beginStep(view(rec), 'kitchen', begin(n(token)), at).record ?? rec;
    const step = beginStep(view(rec), 'kitchen', begin(n(again[0])), again[1]);
    const kept = (step.record ?? rec).sessions.get('kitchen')?.recentBegins.length;
    expect({ starts: step.error === undefined, kept }).toEqual(expected);
  });
});
