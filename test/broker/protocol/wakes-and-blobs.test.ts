import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../shared/limits.js';
import { Kind, type BlobFrame, type CallFrame, type Frame } from '../../../shared/wire/frames.js';
import { resolveBlobPolicy } from '../../../broker/apps/blob-policy.js';
import { SessionBlobs } from '../../../broker/protocol/blobs/blob-delivery.js';
import { keeperGrace } from '../../../broker/protocol/blobs/provisional.js';
import { blobStep } from '../../../broker/protocol/frames/blob.js';
import { callStep } from '../../../broker/protocol/frames/call.js';
import { settle } from '../../../broker/protocol/runs/settle.js';
import { heldExpiredStep, pulseStep, wakeStep } from '../../../broker/protocol/wake/wake-steps.js';
import { markerBytes } from '../../../broker/record/blob-record.js';
import { BlobSeal } from '../../../broker/record/blob-seal.js';
import { encodeRecord } from '../../../broker/record/record-codec.js';
import type { BlobStamp, ProxyRecord } from '../../../broker/record/record.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { NOW, hex, n, record, session, summary, view } from './tables.js';

/** The wake-up kinds (idle sweep, resource purge, due timer, pulse, held expiry) and the sealed-blob decisions as tables. */

describe('a proxy woken without a request', () => {
  const ttl = 1000;
  const idle = session({ visits: { ...session().visits, lastSeen: NOW - 2 * ttl } });
  const active = session({ visits: { ...session().visits, lastSeen: NOW } });
  const expired = session({ resources: new Map([['k', { value: new Uint8Array([1]), expiresAt: NOW - 1, once: false }]]) });
  const due = { id: 1, at: NOW - 1, method: 'ring', args: [] };
  const later = { id: 2, at: NOW + 1000, method: 'ring', args: [] };
  const rows: { name: string; rec: ProxyRecord; expected: Record<string, unknown> }[] = [
    { name: 'nothing due: nothing written, the next wake-up armed', rec: record({ a: active }, { timers: [later] }), expected: { changed: false, durable: false, rearm: true } },
    { name: 'a session idle past the TTL goes, with its held requests, in one commit', rec: record({ a: idle, b: active }), expected: { changed: true, durable: true, dropHeld: ['a'], counts: ['sessions.swept'], rearm: true } },
    { name: 'an expired resource leaves the store without another request', rec: record({ a: expired }, { resourceExpiry: NOW - 1 }), expected: { changed: true, durable: true, rearm: true } },
    { name: 'a due timer runs; its removal commits with its effect', rec: record({ a: active }, { timers: [due, later] }), expected: { changed: false, run: 'timer' } },
    { name: 'a sweep and a due timer in one wake-up: the sweep commits, then the timer runs', rec: record({ a: idle }, { timers: [due] }), expected: { changed: true, durable: true, dropHeld: ['a'], run: 'timer' } },
  ];
  for (const row of rows) {
    it(row.name, () => expect(summary(wakeStep(view(row.rec, { idleTtlMs: ttl }), NOW))).toMatchObject(row.expected));
  }

  it('the sweep keeps the active session and the purge keeps live resources', () => {
    const step = wakeStep(view(record({ a: idle, b: active }), { idleTtlMs: ttl }), NOW);
    expect([...(step.record?.sessions.keys() ?? [])]).toEqual(['b']);
    const purged = wakeStep(view(record({ a: expired }, { resourceExpiry: NOW - 1 })), NOW);
    expect(purged.record?.sessions.get('a')?.resources.size).toBe(0);
  });

  it('without an idle TTL no session is ever swept', () => {
    expect(summary(wakeStep(view(record({ a: idle }), { idleTtlMs: null }), NOW))).toMatchObject({ changed: false, rearm: true });
  });

  it('the pulse runs app code; a held request whose gap did not fill is OUT_OF_ORDER', () => {
    expect(summary(pulseStep())).toEqual({ changed: false, durable: false, sends: [], run: 'pulse' });
    const frame: CallFrame = { kind: Kind.call, nonce: n(1), seq: 7, answered: 4, method: 'm', args: [] };
    expect(summary(heldExpiredStep('a', frame))).toMatchObject({ sends: [{ kind: 'error', ref: hex(n(1)), seq: 7, code: 'STEAD_E_OUT_OF_ORDER' }], refused: true });
  });
});

describe('a blob request (DESIGN §7)', () => {
  const clock = new ManualClock(NOW);
  const seal = new BlobSeal(new Uint8Array(32).fill(7));
  const policy = resolveBlobPolicy('toaster', true, undefined, new Map()) as NonNullable<ReturnType<typeof resolveBlobPolicy>>;
  const blobs = new SessionBlobs(policy, seal, 'toaster/one', { clock, random: { nonce: () => n(777) } as never, limits: LIMITS, count: () => {} });
  const stamp = (generation: number, lineage = n(5), parent: Uint8Array | null = null, base = 0): BlobStamp => ({ generation, lineage, parent, base });
  const sealed = (record: Uint8Array, proxy = 'toaster/one'): Uint8Array => seal.seal({ proxy, session: 'kitchen', issuedAt: NOW, expiresAt: NOW + 1000, surface: policy.surface, record });
  const blobOf = (blobStamp: BlobStamp, proxy = 'toaster/one'): Uint8Array => sealed(encodeRecord(record({ kitchen: session() }, { blobStamp })), proxy);
  const markerOf = (blobStamp: BlobStamp): Uint8Array => sealed(markerBytes(blobStamp));
  const ours = record({ kitchen: session() }, { blobStamp: stamp(3) });
  const req = (blob: Uint8Array | null, marker?: Uint8Array): BlobFrame => ({ kind: Kind.blob, ref: n(60), blob, ...(marker ? { marker } : {}) });
  const tampered = (() => { const b = blobOf(stamp(4)); b[b.length - 1] = (b[b.length - 1] as number) ^ 1; return b; })();
  /** The broker's current blob, sent ahead of an answer that restores nothing. */
  const currentBlob = { to: 'kitchen', kind: 'blob', ref: null };
  const answer = (fields: Record<string, unknown>) => ({ to: 'kitchen', ref: hex(n(60)), ...fields });

  const rows: { name: string; rec: ProxyRecord; stored?: boolean; frame: BlobFrame; expected: Record<string, unknown> }[] = [
    { name: 'a request without a blob: the session keeps blobs from now on, and gets the current blob', rec: ours, frame: req(null), expected: { changed: false, keeper: 'kitchen', sends: [currentBlob, answer({ kind: 'reply', value: 'kept' })] } },
    { name: 'a request without a blob to a record never written: nothing to copy', rec: record({ kitchen: session() }), stored: false, frame: req(null), expected: { changed: false, keeper: 'kitchen', sends: [answer({ value: 'kept' })] } },
    { name: 'the same generation is current: nothing restored, a fresh blob (a new expiry) with the answer', rec: ours, frame: req(blobOf(stamp(3))), expected: { changed: false, sends: [currentBlob, answer({ value: 'current' })] } },
    { name: 'a blob that fell behind is BLOB_STALE: nothing rolls back, and the current blob replaces it', rec: ours, frame: req(blobOf(stamp(2))), expected: { changed: false, error: 'STEAD_E_BLOB_STALE', keeper: 'kitchen', sends: [currentBlob, answer({ kind: 'error', code: 'STEAD_E_BLOB_STALE' })] } },
    { name: 'a newer generation (the store put back from a backup) restores, durable, held requests dropped', rec: ours, frame: req(blobOf(stamp(4))), expected: { changed: true, durable: true, dropHeld: 'all', counts: ['blobs.restored'], sends: [answer({ value: 'restored' })] } },
    { name: 'no stored copy (a lost store): the blob restores', rec: record({}), stored: false, frame: req(blobOf(stamp(2))), expected: { changed: true, durable: true, sends: [answer({ value: 'restored' })] } },
    { name: 'a backup from before an earlier restore takes the restored lineage (lineage checked both ways)', rec: record({ kitchen: session() }, { blobStamp: stamp(2, n(8)) }), frame: req(blobOf(stamp(7, n(5), n(8), 4))), expected: { changed: true, durable: true, sends: [answer({ value: 'restored' })] } },
    { name: 'another lineage is BLOB_CONFLICT', rec: ours, frame: req(blobOf(stamp(9, n(6)))), expected: { changed: false, error: 'STEAD_E_BLOB_CONFLICT', sends: [currentBlob, answer({ kind: 'error' })] } },
    { name: 'a blob of the lineage this copy was restored from, at or before the fork, is STALE', rec: record({ kitchen: session() }, { blobStamp: stamp(5, n(8), n(5), 4) }), frame: req(blobOf(stamp(4))), expected: { error: 'STEAD_E_BLOB_STALE' } },
    { name: 'a tampered blob is BLOB_TAMPERED, nothing restored, the current blob sent', rec: ours, frame: req(tampered), expected: { changed: false, error: 'STEAD_E_BLOB_TAMPERED', sends: [currentBlob, answer({ kind: 'error' })] } },
    { name: 'another proxy’s blob is refused', rec: ours, frame: req(blobOf(stamp(4), 'toaster/two')), expected: { changed: false, error: expect.stringMatching(/^STEAD_E_BLOB_/) } },
    { name: 'a marker newer than the blob (a blob too large to send): restored, but BLOB_PARTIAL', rec: record({}), stored: false, frame: req(blobOf(stamp(2)), markerOf(stamp(4))), expected: { changed: true, durable: true, counts: ['blobs.restored'], error: 'STEAD_E_BLOB_PARTIAL', sends: [answer({ kind: 'error', code: 'STEAD_E_BLOB_PARTIAL' })] } },
    { name: 'a marker the blob is newer than says nothing: restored', rec: record({}), stored: false, frame: req(blobOf(stamp(5)), markerOf(stamp(4))), expected: { changed: true, sends: [answer({ value: 'restored' })] } },
    { name: 'a marker of a lineage forked after the blob: BLOB_PARTIAL', rec: record({}), stored: false, frame: req(blobOf(stamp(2)), markerOf(stamp(9, n(8), n(5), 2))), expected: { error: 'STEAD_E_BLOB_PARTIAL' } },
    { name: 'a marker with a current blob restores nothing: current', rec: ours, frame: req(blobOf(stamp(3)), markerOf(stamp(4))), expected: { changed: false, sends: [currentBlob, answer({ value: 'current' })] } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(summary(blobStep(view(row.rec, { blobs, stored: row.stored ?? true }), 'kitchen', row.frame, NOW))).toMatchObject(row.expected);
    });
  }

  it('a proxy type without blobs answers BLOB_FOREIGN; a blob frame without a ref is MALFORMED_FRAME', () => {
    expect(summary(blobStep(view(ours), 'kitchen', req(null), NOW))).toMatchObject({ error: 'STEAD_E_BLOB_FOREIGN' });
    expect(summary(blobStep(view(ours, { blobs }), 'kitchen', { kind: Kind.blob, ref: null, blob: null }, NOW))).toMatchObject({ error: 'STEAD_E_MALFORMED_FRAME' });
  });

  it('a restored record gets new notification epochs, so devices start their queues over', () => {
    const step = blobStep(view(ours, { blobs }), 'kitchen', req(blobOf(stamp(4))), NOW);
    expect(hex(step.record?.sessions.get('kitchen')?.queue.epoch)).not.toBe(hex(session().queue.epoch));
  });
});

describe('a record the store does not hold waits for its blob keepers (DESIGN §7)', () => {
  const policy = resolveBlobPolicy('toaster', { graceMs: 1000 }, undefined, new Map()) as NonNullable<ReturnType<typeof resolveBlobPolicy>>;
  const blobsAt = (activated: number | null) => {
    const blobs = new SessionBlobs(policy, new BlobSeal(new Uint8Array(32).fill(7)), 'toaster/one', { clock: new ManualClock(NOW), random: { nonce: () => n(777) } as never, limits: LIMITS, count: () => {} });
    if (activated !== null) blobs.activated(activated);
    blobs.keep('gadget');
    return blobs;
  };
  const call: CallFrame = { kind: Kind.call, nonce: n(1), seq: 1, answered: 0, method: 'read', args: [] };
  const blobRequest: BlobFrame = { kind: Kind.blob, ref: n(2), blob: null };
  const rows: { name: string; stored?: boolean; activated?: number | null; session: string | null; frame: Frame | null; expected: string }[] = [
    { name: 'another session’s call waits (a phone is not answered from a record a restore may replace)', session: 'phone', frame: call, expected: 'wait' },
    { name: 'a pulse, a timer or a sweep waits (nothing commits first)', session: null, frame: null, expected: 'wait' },
    { name: 'a blob request runs, on any session', session: 'phone', frame: blobRequest, expected: 'run' },
    { name: 'a keeper’s frames run', session: 'gadget', frame: call, expected: 'run' },
    { name: 'once the grace passed, the record is not provisional: what waited runs', activated: NOW - 1000, session: 'phone', frame: call, expected: 'over' },
    { name: 'a record the store holds is never provisional', stored: true, session: 'phone', frame: call, expected: 'over' },
    { name: 'before activation nothing is provisional', activated: null, session: 'phone', frame: call, expected: 'over' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const blobs = blobsAt(row.activated === undefined ? NOW - 10 : row.activated);
      expect(keeperGrace(view(record({}), { blobs, stored: row.stored ?? false }), row.session, row.frame, NOW)).toBe(row.expected);
    });
  }

  it('a type without blobs never waits', () => {
    expect(keeperGrace(view(record({}), { stored: false }), 'phone', call, NOW)).toBe('over');
  });
});

describe('a call after a restore (DESIGN §7: seqs past the blob are never skipped)', () => {
  const frame = (seq: number, answered: number): CallFrame => ({ kind: Kind.call, nonce: n(1), seq, answered, method: 'inc', args: [] });
  const restored = session({ nonce: n(1), lastSeq: 5, restored: true });
  const rows: { name: string; s: typeof restored; frame: CallFrame; expected: Record<string, unknown> }[] = [
    { name: 'answered past the restored lastSeq is OUTCOME_LOST, not a skip', s: restored, frame: frame(8, 7), expected: { changed: false, error: 'STEAD_E_OUTCOME_LOST', sends: [{ kind: 'error', seq: 8, code: 'STEAD_E_OUTCOME_LOST' }], refused: true } },
    { name: 'answered within the restored copy: the next seq runs', s: restored, frame: frame(6, 5), expected: { changed: false, run: 'call' } },
    { name: 'without a restore, answered past lastSeq is skipped (a reload of read-only calls)', s: session({ nonce: n(1), lastSeq: 5 }), frame: frame(8, 7), expected: { changed: true, after: { session: 'kitchen', seq: 7 }, run: 'call' } },
  ];
  for (const row of rows) {
    it(row.name, () => expect(summary(callStep(view(record({ kitchen: row.s })), 'kitchen', row.frame))).toMatchObject(row.expected));
  }

  it('the first call answered after a restore clears the mark, and is written', () => {
    const v = view(record({ kitchen: restored }));
    const step = settle(v, { kind: 'call', session: 'kitchen', frame: frame(6, 5) }, { ok: true, value: 6, record: null, notifications: [] }, NOW);
    expect(step.durable).toBe(true);
    expect(step.record?.sessions.get('kitchen')?.restored).toBeFalsy();
  });
});
