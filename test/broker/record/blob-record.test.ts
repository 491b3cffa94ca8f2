import { describe, expect, it } from 'vitest';
import { resolveBlobPolicy, type BlobPolicy } from '../../../broker/apps/blob-policy.js';
import { SessionBlobs } from '../../../broker/protocol/blobs/blob-delivery.js';
import { BlobRelease, coalesced } from '../../../broker/protocol/blobs/blob-release.js';
import { isAfter, nextStamp, restoredRecord } from '../../../broker/record/blob-record.js';
import { BlobSeal } from '../../../broker/record/blob-seal.js';
import { decodeRecord, encodeRecord } from '../../../broker/record/record-codec.js';
import { EMPTY_RECORD, newSession, withSession, type BlobStamp, type ProxyRecord } from '../../../broker/record/record.js';
import { LIMITS } from '../../../shared/limits.js';
import { decodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import { ManualClock } from '../../helpers/manual-clock.js';

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

  it('lineage both ways: a store put back from a backup older than an earlier restore takes the newer lineage', () => {
    const forkedBlob = stamped({ generation: 9, lineage: lineage(2), parent: lineage(1), base: 5 });
    // The backup holds generation 3 of the history the restore forked from at 5: the blob holds it all, and more.
    const backup = stamped({ generation: 3, lineage: lineage(1), parent: null, base: 0 });
    const restored = restoredRecord(backup, true, forkedBlob, newLineage);
    expect(restored?.blobStamp).toEqual(forkedBlob.blobStamp);
    // A backup that went past the fork on the old history holds effects the blob lacks: CONFLICT.
    const past = stamped({ generation: 6, lineage: lineage(1), parent: null, base: 0 });
    expect(() => restoredRecord(past, true, forkedBlob, newLineage)).toThrow(expect.objectContaining({ code: 'STEAD_E_BLOB_CONFLICT' }));
  });

  it('a restore marks each current instance restored (its seqs past the blob are never skipped)', () => {
    const begun = { ...newSession(0, LIMITS), nonce: lineage(7), lastSeq: 4 };
    const withInstance = { ...withSession(withSession(EMPTY_RECORD, 'kitchen', begun), 'idle', newSession(0, LIMITS)), blobStamp: blob.blobStamp };
    const restored = restoredRecord(EMPTY_RECORD, false, withInstance, newLineage);
    expect(restored?.sessions.get('kitchen')?.restored).toBe(true);
    expect(restored?.sessions.get('idle')?.restored).toBeUndefined();
    expect(decodeRecord(encodeRecord(restored as ProxyRecord)).sessions.get('kitchen')?.restored).toBe(true);
  });

  it('isAfter: later in the same lineage, or in a lineage forked at or after the stamp', () => {
    const s = (generation: number, of: number, parent: number | null = null, base = 0): BlobStamp => ({ generation, lineage: lineage(of), parent: parent === null ? null : lineage(parent), base });
    expect(isAfter(s(5, 1), s(4, 1))).toBe(true);
    expect(isAfter(s(4, 1), s(4, 1))).toBe(false);
    expect(isAfter(s(6, 2, 1, 5), s(5, 1))).toBe(true);
    expect(isAfter(s(6, 2, 1, 5), s(6, 1))).toBe(false);
    expect(isAfter(s(9, 3), s(1, 1))).toBe(false);
  });
});

describe('blob releases', () => {
  const seal = new BlobSeal(new Uint8Array(32).fill(7));
  const policy = resolveBlobPolicy('counter', true, undefined, new Map()) as BlobPolicy;
  const sessionBlobs = (maxFrameBytes = LIMITS.maxFrameBytes, count: (event: string) => void = () => undefined) =>
    new SessionBlobs(policy, seal, 'counter/a', { clock: new ManualClock(0), random: { nonce: () => lineage(9) } as never, limits: { ...LIMITS, maxFrameBytes }, count });
  const at = (generation: number, state = new Uint8Array(0)): ProxyRecord => ({
    ...withSession(withSession(EMPTY_RECORD, 's', newSession(0, LIMITS)), 't', newSession(0, LIMITS)),
    stateBytes: state,
    blobStamp: { generation, lineage: lineage(1), parent: null, base: 0 },
  });
  const frameOf = (bytes: Uint8Array) => {
    const frame = decodeFrame(bytes);
    if (frame.kind !== Kind.blob) throw new Error('not a blob frame');
    return frame;
  };
  const generationIn = (bytes: Uint8Array) => {
    const blob = frameOf(bytes).blob as Uint8Array;
    return decodeRecord(seal.open(blob, { proxy: 'counter/a', session: 's', surface: policy.surface, now: 0 }).record).blobStamp?.generation;
  };

  it('outputs released together send one blob per session, the newest, before their replies', () => {
    const blobs = sessionBlobs();
    const reply1 = { session: 's', bytes: Uint8Array.of(1) };
    const reply2 = { session: 's', bytes: Uint8Array.of(2) };
    const blob = (session: string, generation: number) => new BlobRelease(session, blobs, at(generation));
    const out = coalesced([blob('s', 1), reply1, blob('t', 2), blob('s', 3), reply2]);
    expect(out.map((r) => r.session)).toEqual(['s', 's', 't', 's']);
    expect(out[1]).toBe(reply1);
    expect(out[3]).toBe(reply2);
    expect(generationIn(out[0]?.bytes as Uint8Array)).toBe(3);
  });

  it('every keeper gets a blob when the generation moves, whichever session moved it', () => {
    const blobs = sessionBlobs();
    blobs.keep('s');
    blobs.keep('t');
    blobs.keep('gone');
    const releases = blobs.withBlobs(at(4), [{ session: 't', bytes: Uint8Array.of(1) }]);
    expect(releases.map((r) => [r.session, r instanceof BlobRelease])).toEqual([['s', true], ['t', true], ['t', false]]);
  });

  it('a blob that does not fit in a frame leaves a marker instead, counted: "no blob after generation g"', () => {
    const counted: string[] = [];
    const blobs = sessionBlobs(1024, (event) => counted.push(event));
    const frame = frameOf(new BlobRelease('s', blobs, at(7, new Uint8Array(4096))).bytes);
    expect(frame.blob).toBeNull();
    expect(counted).toEqual(['blobs.too_large']);
    const marker = frame.marker as Uint8Array;
    const stamp = (generation: number, of = lineage(1)): BlobStamp => ({ generation, lineage: of, parent: null, base: 0 });
    expect(blobs.missed(marker, 's', stamp(6), 0)).toBe(true);
    expect(blobs.missed(marker, 's', stamp(7), 0)).toBe(false);
    // A marker of another lineage says nothing about this blob; one that does not open counts as missed.
    expect(blobs.missed(marker, 's', stamp(3, lineage(2)), 0)).toBe(false);
    expect(blobs.missed(Uint8Array.from(marker).fill(0, 40, 60), 's', stamp(7), 0)).toBe(true);
  });

  it('a marker presented as a blob does not open as a record', () => {
    const blobs = sessionBlobs(1024);
    const marker = frameOf(new BlobRelease('s', blobs, at(7, new Uint8Array(4096))).bytes).marker as Uint8Array;
    expect(() => blobs.open(marker, 's', 0)).toThrow(expect.objectContaining({ code: 'STEAD_E_BLOB_TAMPERED' }));
  });
});
