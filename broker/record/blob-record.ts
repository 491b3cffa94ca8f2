import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';
import type { BlobStamp, ProxyRecord, Resource, SessionRecord } from './record.js';
import { SessionTable } from './session-table.js';

/**
 * The record as a sealed blob carries it (DESIGN §7: once-only and secret fields never enter a
 * blob): no once-only resource of any session, no kept answers to resource writes (one may hold
 * a consumed once-only value), and the state without its secret top-level fields.
 */
export function blobRecord(record: ProxyRecord, secret: readonly string[]): ProxyRecord {
  let onceOnly = false;
  for (const s of record.sessions.values()) for (const resource of s.resources.values()) onceOnly ||= resource.once;
  const sessions = onceOnly ? SessionTable.from([...record.sessions].map(([name, s]) => [name, withoutOnceOnly(s)] as const)) : record.sessions;
  return {
    stateBytes: secret.length > 0 ? withoutSecrets(record.stateBytes, secret) : record.stateBytes,
    sessions,
    timers: record.timers,
    nextTimerId: record.nextTimerId,
    ...(record.blobStamp ? { blobStamp: record.blobStamp } : {}),
  };
}

function withoutOnceOnly(s: SessionRecord): SessionRecord {
  let resources: Map<string, Resource> | null = null;
  for (const [key, resource] of s.resources) {
    if (!resource.once) continue;
    resources ??= new Map(s.resources);
    resources.delete(key);
  }
  return resources ? { ...s, resources } : s;
}

function withoutSecrets(stateBytes: Uint8Array, secret: readonly string[]): Uint8Array {
  if (stateBytes.length === 0) return stateBytes;
  const state = decodeValue(stateBytes);
  if (typeof state !== 'object' || state === null || Array.isArray(state) || state instanceof Uint8Array) return stateBytes;
  const kept: Record<string, unknown> = { ...(state as Record<string, unknown>) };
  for (const field of secret) delete kept[field];
  return encodeValue(kept);
}

/** The record's next stamp: one commit further, in its lineage (a new one if it had none). */
export function nextStamp(stamp: BlobStamp | undefined, newLineage: () => Uint8Array): BlobStamp {
  return stamp ? { ...stamp, generation: stamp.generation + 1 } : { generation: 1, lineage: newLineage(), parent: null, base: 0 };
}

/**
 * Whether stamp `a` is further along the history `b` is on: the same lineage at a higher
 * generation, or a lineage forked from b's (a restore) at or after b, so it holds all b holds and
 * more (a restored record commits once before anything is sent from it).
 */
export function isAfter(a: BlobStamp, b: BlobStamp): boolean {
  if (bytesEqual(a.lineage, b.lineage)) return a.generation > b.generation;
  return bytesEqual(a.parent, b.lineage) && a.base >= b.generation;
}

/**
 * Whether a blob restores (DESIGN §7): the record to put in place, or null when the broker's copy
 * already holds everything the blob does; a refusal (BLOB_STALE, BLOB_CONFLICT) otherwise.
 * - No stored copy (`stored` false: a memory broker restarted, a store file lost): the blob's
 *   record, in a new lineage forked from the blob's.
 * - The same lineage: an equal generation is current; a lower one STALE (a restore must not roll
 *   state back); a higher one means the stored copy is older (a store put back from a backup):
 *   the blob's record replaces it.
 * - Lineage is checked both ways: a blob of a lineage forked from the copy's at or after its
 *   generation (the copy is a backup from before an earlier restore) replaces it too; a blob of
 *   the lineage the copy was forked from, at or before the fork, is STALE: the copy holds it.
 *   Anything else comes from a history this copy has left (or never had): CONFLICT.
 * A restored record gets new notification-queue epochs (record.ts: whoever puts back an older
 * copy of a record gives its queues a new epoch), so devices start their queues over, and each
 * current instance is marked `restored` (record.ts), so seqs past the blob are never skipped.
 */
export function restoredRecord(current: ProxyRecord, stored: boolean, blob: ProxyRecord, newLineage: () => Uint8Array): ProxyRecord | null {
  const theirs = blob.blobStamp;
  if (!theirs) throw new SteadError('BLOB_FOREIGN', 'the blob carries no stamp');
  if (!stored) return restored({ ...blob, blobStamp: { generation: theirs.generation, lineage: newLineage(), parent: theirs.lineage, base: theirs.generation } }, newLineage);
  const ours = current.blobStamp;
  if (ours && bytesEqual(ours.lineage, theirs.lineage) && theirs.generation === ours.generation) return null;
  if (!ours || isAfter(ours, theirs)) throw stale(theirs, ours);
  if (isAfter(theirs, ours)) return restored(blob, newLineage);
  throw new SteadError('BLOB_CONFLICT', `the blob (generation ${theirs.generation}) is from a history the broker’s copy (generation ${ours.generation}) is not on`);
}

function stale(theirs: BlobStamp, ours: BlobStamp | undefined): SteadError {
  return new SteadError('BLOB_STALE', `the blob (generation ${theirs.generation}) is older than the broker’s copy (generation ${ours?.generation ?? 'unstamped'})`);
}

function restored(record: ProxyRecord, newEpoch: () => Uint8Array): ProxyRecord {
  const sessions = [...record.sessions].map(([name, s]) => {
    const queue = { ...s.queue, epoch: newEpoch() };
    return [name, s.nonce ? { ...s, queue, restored: true } : { ...s, queue }] as const;
  });
  return { ...record, sessions: SessionTable.from(sessions) };
}

/**
 * The sealed marker a device keeps when the newest record's blob did not fit in a frame (DESIGN
 * §7): "no blob after this stamp". Its bytes go where a blob's record goes, so a marker presented
 * as a blob does not decode as a record (BLOB_TAMPERED), nor a blob as a marker.
 */
export function markerBytes(stamp: BlobStamp): Uint8Array {
  return encodeValue([MARKER, stamp.generation, stamp.lineage, stamp.parent, stamp.base]);
}

/** The stamp a marker names; BLOB_TAMPERED when the bytes are not a marker. */
export function markerStamp(bytes: Uint8Array): BlobStamp {
  let fields: unknown;
  try {
    fields = decodeValue(bytes);
  } catch (cause) {
    throw new SteadError('BLOB_TAMPERED', 'the marker does not decode', { cause });
  }
  const [tag, generation, lineage, parent, base] = Array.isArray(fields) ? fields : [];
  if (tag !== MARKER || !Number.isSafeInteger(generation) || !(lineage instanceof Uint8Array) || !(parent === null || parent instanceof Uint8Array) || !Number.isSafeInteger(base)) {
    throw new SteadError('BLOB_TAMPERED', 'the marker has the wrong shape');
  }
  return { generation: generation as number, lineage, parent, base: base as number };
}

const MARKER = 'no blob after';
