import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';
import type { BlobStamp, ProxyRecord, Resource, SessionRecord } from './record.js';
import { SessionTable } from './session-table.js';

/**
 * The record as a sealed blob carries it (DESIGN §7: once-only and secret fields never enter a
 * blob): no once-only resource of any session, no resource channels (a kept answer may hold a
 * consumed once-only value), and the state without its secret top-level fields. A record restored
 * from it has forgotten every channel, those written after the blob was sealed too.
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
    channelsForgotten: true,
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
 * Whether a blob restores (DESIGN §7): the record to put in place, or null when the broker's copy
 * already holds everything the blob does; a refusal (BLOB_STALE, BLOB_CONFLICT) otherwise.
 * - No stored copy (`stored` false: a memory broker restarted, a store file lost): the blob's
 *   record, in a new lineage forked from the blob's.
 * - The same lineage: an equal generation is current; a lower one STALE (a restore must not roll
 *   state back); a higher one means the stored copy is older (a store put back from a backup):
 *   the blob's record replaces it.
 * - A blob of the lineage this copy was restored from, at or before the fork, is STALE: the
 *   copy holds it. Anything else comes from a history this copy has left: CONFLICT.
 * A restored record gets new notification-queue epochs (record.ts: whoever puts back an older
 * copy of a record gives its queues a new epoch), so devices start their queues over.
 */
export function restoredRecord(current: ProxyRecord, stored: boolean, blob: ProxyRecord, newLineage: () => Uint8Array): ProxyRecord | null {
  const theirs = blob.blobStamp;
  if (!theirs) throw new SteadError('BLOB_FOREIGN', 'the blob carries no stamp');
  if (!stored) return freshEpochs({ ...blob, blobStamp: { generation: theirs.generation, lineage: newLineage(), parent: theirs.lineage, base: theirs.generation } }, newLineage);
  const ours = current.blobStamp;
  if (ours && bytesEqual(ours.lineage, theirs.lineage)) {
    if (theirs.generation === ours.generation) return null;
    if (theirs.generation < ours.generation) throw stale(theirs, ours);
    return freshEpochs(blob, newLineage);
  }
  if (!ours || (bytesEqual(ours.parent, theirs.lineage) && theirs.generation <= ours.base)) throw stale(theirs, ours);
  throw new SteadError('BLOB_CONFLICT', `the blob (generation ${theirs.generation}) is from a history the broker’s copy left at its restore (generation ${ours.base})`);
}

function stale(theirs: BlobStamp, ours: BlobStamp | undefined): SteadError {
  return new SteadError('BLOB_STALE', `the blob (generation ${theirs.generation}) is older than the broker’s copy (generation ${ours?.generation ?? 'unstamped'})`);
}

function freshEpochs(record: ProxyRecord, newEpoch: () => Uint8Array): ProxyRecord {
  const sessions = [...record.sessions].map(([name, s]) => [name, { ...s, queue: { ...s.queue, epoch: newEpoch() } }] as const);
  return { ...record, sessions: SessionTable.from(sessions) };
}
