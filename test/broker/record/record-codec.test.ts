import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, recordBytes } from '../../../broker/record/record-codec.js';
import { newSession, withSession, type ProxyRecord, type ResourceChannel, type SessionRecord } from '../../../broker/record/record.js';
import { channelKey, channelOf } from '../../../broker/record/resource-channels.js';
import { SessionTable } from '../../../broker/record/session-table.js';
import { LIMITS } from '../../../shared/limits.js';
import { encodeValue } from '../../../shared/wire/codec.js';

function recordWith(sessions: number): ProxyRecord {
  const map = new Map<string, SessionRecord>();
  for (let i = 0; i < sessions; i++) map.set(`s${i}`, newSession(1000 + i, LIMITS));
  return { stateBytes: encodeValue({ n: 1 }), sessions: SessionTable.from(map), timers: [], nextTimerId: 1 };
}

/** Byte strings decode as Buffers: compare their bytes. */
function plainBytes(s: SessionRecord): SessionRecord {
  return {
    ...s,
    nonce: s.nonce && Uint8Array.from(s.nonce),
    recentBegins: s.recentBegins.map((b) => ({ token: Uint8Array.from(b.token), at: b.at })),
    replies: new Map([...s.replies].map(([k, v]) => [k, Uint8Array.from(v)])),
  };
}

describe('proxy record encoding', () => {
  it('round-trips state, sessions, queues, replies, begin tokens and timers', () => {
    const base = recordWith(30);
    const s7: SessionRecord = {
      ...(base.sessions.get('s7') as SessionRecord),
      nonce: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      recentBegins: [{ token: Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1), at: 4000 }, { token: Uint8Array.of(1, 7, 6, 5, 4, 3, 2, 1), at: 4500 }],
      lastSeq: 4,
      replies: new Map([[4, Uint8Array.of(9, 9)]]),
      memento: { index: 3 },
      queue: { ...(base.sessions.get('s7') as SessionRecord).queue, items: [{ seq: 1, payload: ['hi'], key: null }], lastSeq: 1 },
    };
    const record = { ...withSession(base, 's7', s7), timers: [{ id: 1, at: 5000, method: 'fire', args: [1] }] };
    const decoded = decodeRecord(encodeRecord(record));
    expect(decoded.sessions.size).toBe(30);
    expect(plainBytes(decoded.sessions.get('s7') as SessionRecord)).toEqual(s7);
    expect(decoded.timers).toEqual(record.timers);
    expect(Buffer.from(decoded.stateBytes)).toEqual(Buffer.from(record.stateBytes));
  });

  it('a changed session is a new value, so the encoding cache never serves a stale session', () => {
    const record = recordWith(3);
    encodeRecord(record);
    const s1 = record.sessions.get('s1') as SessionRecord;
    const changed = withSession(record, 's1', { ...s1, lastSeq: 42 });
    expect(decodeRecord(encodeRecord(changed)).sessions.get('s1')?.lastSeq).toBe(42);
    expect(decodeRecord(encodeRecord(record)).sessions.get('s1')?.lastSeq).toBe(0);
  });

  it('loads a format 1 record (before begin tokens were remembered)', () => {
    const token = Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1);
    const v1 = encodeValue([1, encodeValue({ n: 2 }), [
      ['main', null, null, token, null, 0, [], null, [[], 0, 0, 1000, 'drop-oldest', 0], [1, 0, 1, null]],
    ], [], 1]);
    const decoded = decodeRecord(v1);
    // Its token counts from the latest visit.
    expect(decoded.sessions.get('main')?.recentBegins.map((b) => [[...b.token], b.at])).toEqual([[[...token], 1]]);
    expect(decoded.sessions.get('main')?.resources.size).toBe(0);
  });

  it('format 4 round-trips session resources (value, expiry, once-only) and the resource channels with their answers', () => {
    const base = recordWith(3);
    const s1: SessionRecord = {
      ...(base.sessions.get('s1') as SessionRecord),
      resources: new Map([
        ['cart', { value: { items: ['bread'], n: 2 }, expiresAt: null, once: false }],
        ['code@otp', { value: 'x-42', expiresAt: 9000, once: true }],
        ['nil', { value: null, expiresAt: 5000, once: false }],
      ]),
    };
    const ref = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const channel: ResourceChannel = { topic: 'r-1', ref, answered: 2, since: 1, answers: new Map([[3, { digest: Uint8Array.of(7, 7, 7, 7, 7, 7, 7, 7), bytes: Uint8Array.of(0x84, 2) }]]) };
    const record: ProxyRecord = { ...withSession(base, 's1', s1), resourceChannels: new Map([[channelKey('r-1', ref), channel]]) };
    const bytes = encodeRecord(record);
    expect(bytes[1]).toBe(4);
    const decoded = decodeRecord(bytes);
    expect(decoded.sessions.get('s1')?.resources).toEqual(s1.resources);
    expect(decoded.sessions.get('s0')?.resources.size).toBe(0);
    const back = channelOf(decoded, 'r-1', ref);
    expect({ ...back, ref: [...(back?.ref ?? [])], answers: [...(back?.answers ?? [])].map(([seq, a]) => [seq, [...a.digest], [...a.bytes]]) }).toEqual({
      topic: 'r-1', ref: [...ref], answered: 2, since: 1, answers: [[3, [7, 7, 7, 7, 7, 7, 7, 7], [0x84, 2]]],
    });
    expect(decoded.channelsForgotten).toBeUndefined();
    expect(decodeRecord(encodeRecord({ ...record, channelsForgotten: true })).channelsForgotten).toBe(true);
    expect(decodeRecord(encodeRecord({ ...base, channelsForgotten: true })).channelsForgotten).toBe(true);
    // Worked out on load: the earliest expiry, so the next commit knows when to purge.
    expect(decoded.resourceExpiry).toBe(5000);
  });

  it('loads a format 3 record: its answers kept by request digest do not carry over, and it says it forgot channels', () => {
    const v3 = (answers: unknown[]): Uint8Array => encodeValue([3, encodeValue({ n: 3 }), [
      ['main', null, null, null, null, 0, [], null, [[], 0, 0, 1000, 'drop-oldest', 0, Uint8Array.of(3, 3, 3, 3, 3, 3, 3, 3)], [1, 0, 1, null, 1], [], [['cart', 'bread', null, false]]],
    ], [], 1, answers]);
    const withAnswers = decodeRecord(v3([[new Uint8Array(32), Uint8Array.of(0x84, 2)]]));
    expect(withAnswers.sessions.get('main')?.resources.get('cart')?.value).toBe('bread');
    expect(withAnswers.resourceChannels).toBeUndefined();
    expect(withAnswers.channelsForgotten).toBe(true);
    expect(decodeRecord(v3([])).channelsForgotten).toBeUndefined();
  });

  it('loads a format 2 record (before session resources): no resources, no answers', () => {
    const token = Uint8Array.of(2, 2, 2, 2, 2, 2, 2, 2);
    const epoch = Uint8Array.of(3, 3, 3, 3, 3, 3, 3, 3);
    const v2 = encodeValue([2, encodeValue({ n: 3 }), [
      ['main', null, null, token, null, 0, [], { at: 1 }, [[[1, 'hi', null]], 1, 0, 1000, 'drop-oldest', 0, epoch], [1, 0, 1, { agent: 'x' }], [token]],
    ], [[1, 5000, 'fire', []]], 2]);
    const decoded = decodeRecord(v2);
    const main = decoded.sessions.get('main') as SessionRecord;
    expect(main.resources.size).toBe(0);
    expect(main.memento).toEqual({ at: 1 });
    expect(main.visits.info).toEqual({ agent: 'x' });
    expect(main.queue.items).toEqual([{ seq: 1, payload: 'hi', key: null }]);
    expect(decoded.resourceChannels).toBeUndefined();
    expect(decoded.channelsForgotten).toBeUndefined();
    expect(decoded.timers).toEqual([{ id: 1, at: 5000, method: 'fire', args: [] }]);
    // Written again, it is a format 4 record with the same content.
    expect(decodeRecord(encodeRecord(decoded)).sessions.get('main')?.recentBegins.map((b) => [[...b.token], b.at])).toEqual([[[...token], 1]]);
  });

  it('recordBytes is the encoded length, however sessions, state, timers, answers and the stamp change', () => {
    let record = recordWith(300);
    const sizes: [number, number][] = [];
    const measure = (): void => void sizes.push([recordBytes(record), encodeRecord(record).length]);
    measure();
    const s7 = record.sessions.get('s7') as SessionRecord;
    record = withSession(record, 's7', { ...s7, replies: new Map([[1, new Uint8Array(300)]]), queue: { ...s7.queue, items: [{ seq: 1, payload: 'x'.repeat(5000), key: null }], lastSeq: 1 } });
    measure();
    record = withSession(record, 'new', newSession(5, LIMITS));
    measure();
    record = { ...record, sessions: record.sessions.without('s3') };
    measure();
    record = { ...record, timers: [{ id: 1, at: 5000, method: 'fire', args: ['a'.repeat(40)] }], nextTimerId: 70_000 };
    measure();
    const ref = new Uint8Array(8);
    const channel: ResourceChannel = { topic: 'r-1', ref, answered: 0, since: 1, answers: new Map([[1, { digest: new Uint8Array(8), bytes: new Uint8Array(30) }]]) };
    record = { ...record, resourceChannels: new Map([[channelKey('r-1', ref), channel]]) };
    measure();
    record = { ...record, channelsForgotten: true };
    measure();
    record = { ...record, blobStamp: { generation: 9, lineage: new Uint8Array(8), parent: null, base: 0 } };
    measure();
    record = { ...record, stateBytes: new Uint8Array(70_000) };
    measure();
    for (const [bytes, encoded] of sizes) expect(bytes).toBe(encoded);
    for (const n of [0, 23, 24, 255, 256, 1024]) expect(recordBytes(recordWith(n))).toBe(encodeRecord(recordWith(n)).length);
  });

  it('encodes records with many sessions (array headers beyond 23 and 255 items)', () => {
    for (const n of [0, 23, 24, 255, 256, 1024]) expect(decodeRecord(encodeRecord(recordWith(n))).sessions.size).toBe(n);
  });

  it('refuses bytes that are not a record with STORE_FAILURE', () => {
    expect(() => decodeRecord(Uint8Array.of(0xff))).toThrow(expect.objectContaining({ code: 'STEAD_E_STORE_FAILURE' }));
  });
});
