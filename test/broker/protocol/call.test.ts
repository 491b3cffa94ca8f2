import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind, type CallFrame } from '../../../shared/wire/frames.js';
import { callStep } from '../../../broker/protocol/frames/call.js';
import { hex, n, record, session, sessionAfter, summary, view } from './tables.js';

/** DESIGN §4 rules 2–4 for a call frame: (record, frame) → Step, one row per rule and per attack found. */

const reply = (seq: number): Uint8Array => encodeFrame({ kind: Kind.reply, ref: n(1), seq, value: `r${seq}` });

function replies(from: number, to: number): Map<number, Uint8Array> {
  const map = new Map<number, Uint8Array>();
  for (let seq = from; seq <= to; seq++) map.set(seq, reply(seq));
  return map;
}

function call(seq: number, answered: number, nonce = n(1)): CallFrame {
  return { kind: Kind.call, nonce, seq, answered, method: 'buy', args: [] };
}

const begun = session({ nonce: n(1), lastSeq: 3, replies: replies(2, 3) });
const ended = session({ nonce: null, endedNonce: n(1), lastSeq: 0 });
/** 20 calls answered; the cache (16) keeps 5..20: seq 4's reply has left it. */
const busy = session({ nonce: n(1), lastSeq: 20, replies: replies(5, 20) });

const error = (seq: number, code: string, ref = n(1)) => ({ to: 'kitchen', kind: 'error', ref: hex(ref), seq, code: `STEAD_E_${code}` });

const rows: { name: string; s: typeof begun | null; frame: CallFrame; expected: Record<string, unknown> }[] = [
  { name: 'a call on a session never begun is NOT_BEGUN', s: null, frame: call(1, 0), expected: { changed: false, sends: [error(1, 'NOT_BEGUN')], error: 'STEAD_E_NOT_BEGUN', refused: true } },
  { name: 'a call of an ended instance is STALE_INSTANCE', s: ended, frame: call(1, 0), expected: { changed: false, sends: [error(1, 'STALE_INSTANCE')], error: 'STEAD_E_STALE_INSTANCE' } },
  { name: 'rule 2: a fenced nonce is STALE_INSTANCE, nothing runs', s: begun, frame: call(4, 3, n(2)), expected: { changed: false, sends: [error(4, 'STALE_INSTANCE', n(2))], error: 'STEAD_E_STALE_INSTANCE' } },
  { name: 'rule 3: a duplicate gets its cached reply, nothing runs', s: begun, frame: call(3, 2), expected: { changed: false, durable: false, sends: [{ to: 'kitchen', kind: 'reply', seq: 3, value: 'r3' }] } },
  { name: 'rule 3: a seq older than the cache is STALE_REQUEST (may have run)', s: begun, frame: call(1, 0), expected: { changed: false, sends: [error(1, 'STALE_REQUEST')], error: 'STEAD_E_STALE_REQUEST' } },
  { name: 'attack: a retry after its reply left the cache is STALE_REQUEST, never a second run', s: busy, frame: call(4, 3), expected: { changed: false, sends: [error(4, 'STALE_REQUEST')] } },
  { name: 'the next seq runs', s: begun, frame: call(4, 3), expected: { changed: false, sends: [], run: 'call' } },
  { name: 'rule 4: a gap holds the call', s: begun, frame: call(6, 3), expected: { changed: false, sends: [], hold: { session: 'kitchen', seq: 6 } } },
  { name: 'rule 4: a seq beyond the window is WINDOW_EXCEEDED', s: begun, frame: call(3 + 17, 3), expected: { sends: [error(20, 'WINDOW_EXCEEDED')], error: 'STEAD_E_WINDOW_EXCEEDED' } },
  { name: 'the window bound itself is held, not refused', s: begun, frame: call(3 + 16, 3), expected: { hold: { session: 'kitchen', seq: 19 } } },
  {
    name: 'answered past lastSeq (a reloaded proxy): the seqs are skipped in memory, the held next may run, then this one runs',
    s: begun, frame: call(6, 5), expected: { changed: true, durable: false, sends: [], after: { session: 'kitchen', seq: 5 }, run: 'call' },
  },
  { name: 'answered past lastSeq with a gap after it: skipped, then held', s: begun, frame: call(8, 5), expected: { changed: true, after: { session: 'kitchen', seq: 5 }, hold: { session: 'kitchen', seq: 8 } } },
  { name: 'a duplicate covered by answered is answered from the cache', s: begun, frame: call(2, 5), expected: { changed: false, sends: [{ kind: 'reply', seq: 2 }] } },
  // The reply cache keeps the replies above `answered`: a span wider than it would push out a reply
  // the device may still ask for (its retry would then be STALE_REQUEST although it committed).
  { name: 'attack: a span wider than the reply cache is WINDOW_EXCEEDED, nothing runs or is evicted', s: busy, frame: call(21, 4), expected: { changed: false, sends: [error(21, 'WINDOW_EXCEEDED')], error: 'STEAD_E_WINDOW_EXCEEDED' } },
  { name: 'a span of exactly the reply cache runs', s: busy, frame: call(21, 5), expected: { run: 'call' } },
  { name: 'a resend at or below lastSeq whose reply the cache holds gets it, whatever came after', s: busy, frame: call(5, 4), expected: { sends: [{ kind: 'reply', seq: 5, value: 'r5' }] } },
];

describe('a call frame (DESIGN §4 rules 2–4)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const rec = record(row.s ? { kitchen: row.s } : {});
      expect(summary(callStep(view(rec), 'kitchen', row.frame))).toMatchObject(row.expected);
    });
  }

  it('a skip moves lastSeq to answered and keeps the reply cache', () => {
    const step = callStep(view(record({ kitchen: begun })), 'kitchen', call(6, 5));
    expect(sessionAfter(step, 'kitchen')?.lastSeq).toBe(5);
    expect([...(sessionAfter(step, 'kitchen')?.replies.keys() ?? [])]).toEqual([2, 3]);
  });
});
