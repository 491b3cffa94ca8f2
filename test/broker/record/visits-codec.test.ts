import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../../broker/record/record-codec.js';
import { EMPTY_RECORD, newSession, withSession, type SessionRecord } from '../../../broker/record/record.js';
import { LIMITS } from '../../../shared/limits.js';
import { encodeValue } from '../../../shared/wire/codec.js';

// Visits keep `lastSeen` (the idle sweep counts from it) as one more item of the visits tuple.
describe('visits in the record', () => {
  it('round-trip with lastSeen', () => {
    const s: SessionRecord = { ...newSession(10, LIMITS), visits: { first: 1, previous: 2, latest: 3, info: { agent: 'x' }, lastSeen: 4 } };
    const decoded = decodeRecord(encodeRecord(withSession(EMPTY_RECORD, 'a', s)));
    expect(decoded.sessions.get('a')?.visits).toEqual(s.visits);
  });

  it('of a record stored before lastSeen count from the latest visit', () => {
    const queue = [[], 0, 0, 1000, 'drop-oldest', 0, new Uint8Array(16)];
    const session = ['a', null, null, null, null, 0, [], null, queue, [100, 200, 300, { agent: 'old' }], []];
    const decoded = decodeRecord(encodeValue([2, new Uint8Array(0), [session], [], 1]));
    expect(decoded.sessions.get('a')?.visits).toEqual({ first: 100, previous: 200, latest: 300, info: { agent: 'old' }, lastSeen: 300 });
  });
});
