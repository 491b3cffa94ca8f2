import { describe, expect, it } from 'vitest';
import { BlobRelease, coalesced } from '../../../broker/protocol/blobs/blob-release.js';
import { nextStamp, restoredRecord } from '../../../broker/record/blob-record.js';
import { BlobSeal } from '../../../broker/record/blob-seal.js';
import { decodeRecord, encodeRecord } from '../../../broker/record/record-codec.js';
import { EMPTY_RECORD, newSession, withSession, type BlobStamp, type ProxyRecord } from '../../../broker/record/record.js';
import { LIMITS } from '../../../shared/limits.js';
import { decodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';

const lineage = (n: number): Uint8Array => Uint8Array.of(n, n, n, n, n, n, n, n);
const stamped = (stamp: BlobStamp): ProxyRecord => ({ ...withSession(EMPTY_RECORD, 'kitchen', newSession(0, LIMITS)), blobStamp: stamp });
let fresh = 100;
const newLineage = (): Uint8Array => lineage(fresh++);

describe('the blob stamp in the record', () => {
  it('round-trips through the record codec, and a record without one has none', () => {
    const stamp = { generation: 7, lineage: lineage(1), parent: lineage(2), base: 5 };
    const decoded = decodeRecord(encodeRecord(stamped(stamp)));
    expect(decoded.blobStamp?.generation).toBe(7);
    expect(Uint8Array.from(decoded.blobStamp?.lineage ?? [])).toEqual(lineage(1));
    expect(Uint8Array.from(decoded.blobStamp?.parent ?? [])).toEqual(lineage(2));
    expect(decoded.blobStamp?.base).toBe(5);
    expect(decodeRecord(encodeRecord(EMPTY_RECORD)).blobStamp).toBeUndefined();
  });

  it('counts commits within a lineage, starting one when there is none', () => {
    const first = nextStamp(undefined, () => lineage(3));
    expect(first).toEqual({ generation: 1, lineage: lineage(3), parent: null, base: 0 });
    expect(nextStamp(first, () => lineage(4)).generation).toBe(2);
  });
});

describe('restore decisions (docs/sessions.md)', () => {
  const blob = stamped({ generation: 5, lineage: lineage(1), parent: null, base: 0 });

  it('no stored copy: the blob, forked into a new lineage, with new queue epochs', () => {
    const current = withSession(EMPTY_RECORD, 'kitchen', newSession(0, LIMITS));
    const restored = restoredRecord(current, false, blob, newLineage);
    expect(restored?.blobStamp?.generation).toBe(5);
    expect(restored?.blobStamp?.parent).toEqual(lineage(1));
    expect(restored?.blobStamp?.lineage).not.toEqual(lineage(1));
    expect(restored?.sessions.get('kitchen')?.queue.epoch).not.toEqual(blob.sessions.get('kitchen')?.queue.epoch);
  });

  it('the same lineage: equal is current, lower STALE, higher replaces an older stored copy', () => {
    expect(restoredRecord(stamped({ generation: 5, lineage: lineage(1), parent: null, base: 0 }), true, blob, newLineage)).toBeNull();
    expect(() => restoredRecord(stamped({ generation: 6, lineage: lineage(1), parent: null, base: 0 }), true, blob, newLineage)).toThrow(
      expect.objectContaining({ code: 'STEAD_E_BLOB_STALE' }),
    );
    expect(restoredRecord(stamped({ generation: 3, lineage: lineage(1), parent: null, base: 0 }), true, blob, newLineage)?.blobStamp?.generation).toBe(5);
  });

  it('after a restore: the old history up to the fork is STALE, past it CONFLICT', () => {
    const forked = stamped({ generation: 9, lineage: lineage(2), parent: lineage(1), base: 5 });
    expect(() => restoredRecord(forked, true, blob, newLineage)).toThrow(expect.objectContaining({ code: 'STEAD_E_BLOB_STALE' }));
    const later = stamped({ generation: 6, lineage: lineage(1), parent: null, base: 0 });
    expect(() => restoredRecord(forked, true, later, newLineage)).toThrow(expect.objectContaining({ code: 'STEAD_E_BLOB_CONFLICT' }));
  });
});

describe('blob releases', () => {
  const seal = new BlobSeal(new Uint8Array(32).fill(7));
  const contents = (n: number) => () => ({ proxy: 'counter/a', session: 's', issuedAt: n, expiresAt: n + 1000, surface: new Uint8Array(32), record: Uint8Array.of(n) });
  const blob = (session: string, n: number, max = 1000, tooLarge = (): void => undefined) => new BlobRelease(session, seal, contents(n), max, tooLarge);
  const opened = (bytes: Uint8Array) => {
    const frame = decodeFrame(bytes);
    if (frame.kind !== Kind.blob || !frame.blob) throw new Error('not a blob frame');
    return seal.open(frame.blob, { proxy: 'counter/a', session: 's', surface: new Uint8Array(32), now: 0 });
  };

  it('commits released together send one blob per session, the newest, before their replies', () => {
    const reply1 = { session: 's', bytes: Uint8Array.of(1) };
    const reply2 = { session: 's', bytes: Uint8Array.of(2) };
    const out = coalesced([blob('s', 1), reply1, blob('t', 2), blob('s', 3), reply2]);
    expect(out.map((r) => r.session)).toEqual(['s', 's', 't', 's']);
    expect(out[1]).toBe(reply1);
    expect(out[3]).toBe(reply2);
    expect(opened(out[0]?.bytes as Uint8Array).issuedAt).toBe(3);
  });

  it('a blob that does not fit in a frame is left out and counted', () => {
    let counted = 0;
    const out = coalesced([blob('s', 1, 10, () => void counted++), { session: 's', bytes: Uint8Array.of(9) }]);
    expect(out).toHaveLength(1);
    expect(counted).toBe(1);
  });
});
