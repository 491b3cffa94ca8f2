import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../shared/limits.js';
import { Kind, type CallFrame } from '../../../shared/wire/frames.js';
import { resolveBlobPolicy } from '../../../broker/apps/blob-policy.js';
import { SessionBlobs } from '../../../broker/protocol/blobs/blob-delivery.js';
import { blobStep } from '../../../broker/protocol/frames/blob.js';
import { heldExpiredStep, pulseStep, wakeStep } from '../../../broker/protocol/wake/wake-steps.js';
import { BlobSeal } from '../../../broker/record/blob-seal.js';
import { encodeRecord } from '../../../broker/record/record-codec.js';
import type { BlobStamp, ProxyRecord } from '../../../broker/record/record.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { NOW, hex, n, record, session, summary, view } from './tables.js';

/** The wake-up kinds (idle sweep, resource purge, due timer, pulse, held expiry) and blob requests as tables. */

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
  const blobOf = (blobStamp: BlobStamp, proxy = 'toaster/one'): Uint8Array => seal.seal({
    proxy, session: 'kitchen', issuedAt: NOW, expiresAt: NOW + 1000, surface: policy.surface, record: encodeRecord(record({ kitchen: session() }, { blobStamp })),
  });
  const ours = record({ kitchen: session() }, { blobStamp: stamp(3) });
  const req = (blob: Uint8Array | null) => ({ kind: Kind.blob, ref: n(60), blob }) as const;
  const tampered = (() => { const b = blobOf(stamp(4)); b[b.length - 1] = (b[b.length - 1] as number) ^ 1; return b; })();

  const rows: { name: string; rec: ProxyRecord; stored?: boolean; blob: Uint8Array | null; expected: Record<string, unknown> }[] = [
    { name: 'a request without a blob: the session keeps blobs from now on', rec: ours, blob: null, expected: { changed: false, keeper: 'kitchen', sends: [{ kind: 'reply', ref: hex(n(60)), value: 'kept' }] } },
    { name: 'the same generation is current: nothing restored', rec: ours, blob: blobOf(stamp(3)), expected: { changed: false, sends: [{ value: 'current' }] } },
    { name: 'an older generation is BLOB_STALE: nothing rolls back', rec: ours, blob: blobOf(stamp(2)), expected: { changed: false, error: 'STEAD_E_BLOB_STALE', keeper: 'kitchen' } },
    { name: 'a newer generation (the store put back from a backup) restores, durable, held requests dropped', rec: ours, blob: blobOf(stamp(4)), expected: { changed: true, durable: true, dropHeld: 'all', counts: ['blobs.restored'], sends: [{ value: 'restored' }] } },
    { name: 'no stored copy (a lost store): the blob restores', rec: record({}), stored: false, blob: blobOf(stamp(2)), expected: { changed: true, durable: true, sends: [{ value: 'restored' }] } },
    { name: 'another lineage is BLOB_CONFLICT', rec: ours, blob: blobOf(stamp(9, n(6))), expected: { changed: false, error: 'STEAD_E_BLOB_CONFLICT' } },
    { name: 'a blob of the lineage this copy was restored from, at or before the fork, is STALE', rec: record({}, { blobStamp: stamp(5, n(8), n(5), 4) }), blob: blobOf(stamp(4)), expected: { error: 'STEAD_E_BLOB_STALE' } },
    { name: 'a tampered blob is BLOB_TAMPERED, nothing restored', rec: ours, blob: tampered, expected: { changed: false, error: 'STEAD_E_BLOB_TAMPERED' } },
    { name: 'another proxy’s blob is refused', rec: ours, blob: blobOf(stamp(4), 'toaster/two'), expected: { changed: false, error: expect.stringMatching(/^STEAD_E_BLOB_/) } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(summary(blobStep(view(row.rec, { blobs, stored: row.stored ?? true }), 'kitchen', req(row.blob), NOW))).toMatchObject(row.expected);
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
