import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, newSession, touchSession, type ProxyRecord } from '../../../broker/proxy/record.js';
import { encodeValue } from '../../../shared/wire/codec.js';

function recordWith(sessions: number): ProxyRecord {
  const record: ProxyRecord = { stateBytes: encodeValue({ n: 1 }), sessions: new Map(), timers: [], nextTimerId: 1 };
  for (let i = 0; i < sessions; i++) record.sessions.set(`s${i}`, newSession(1000 + i));
  return record;
}

describe('proxy record encoding', () => {
  it('round-trips state, sessions, queues, replies and timers', () => {
    const record = recordWith(30);
    const s = record.sessions.get('s7');
    if (!s) throw new Error('missing session');
    s.nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    s.lastSeq = 4;
    s.replies.set(4, Uint8Array.of(9, 9));
    s.memento = { index: 3 };
    s.queue.items.push({ seq: 1, payload: ['hi'], key: null });
    s.queue.lastSeq = 1;
    record.timers.push({ id: 1, at: 5000, method: 'fire', args: [1] });
    const decoded = decodeRecord(encodeRecord(record));
    expect(decoded.sessions.size).toBe(30);
    const back = decoded.sessions.get('s7');
    if (!back?.nonce) throw new Error('missing session');
    // Byte strings decode as Buffers: compare their bytes.
    expect({ ...back, nonce: Uint8Array.from(back.nonce), replies: new Map([...back.replies].map(([k, v]) => [k, Uint8Array.from(v)])) }).toEqual(s);
    expect(decoded.timers).toEqual(record.timers);
    expect(Buffer.from(decoded.stateBytes)).toEqual(Buffer.from(record.stateBytes));
  });

  it('re-encodes a session only after it was touched (the cache is real, so touching matters)', () => {
    const record = recordWith(3);
    encodeRecord(record);
    const s = record.sessions.get('s1');
    if (!s) throw new Error('missing session');
    s.lastSeq = 42;
    expect(decodeRecord(encodeRecord(record)).sessions.get('s1')?.lastSeq).toBe(0);
    touchSession(s);
    expect(decodeRecord(encodeRecord(record)).sessions.get('s1')?.lastSeq).toBe(42);
  });

  it('encodes records with many sessions (array headers beyond 23 and 255 items)', () => {
    for (const n of [0, 23, 24, 255, 256, 1024]) expect(decodeRecord(encodeRecord(recordWith(n))).sessions.size).toBe(n);
  });

  it('refuses bytes that are not a record with STORE_FAILURE', () => {
    expect(() => decodeRecord(Uint8Array.of(0xff))).toThrow(expect.objectContaining({ code: 'STEAD_E_STORE_FAILURE' }));
  });
});
