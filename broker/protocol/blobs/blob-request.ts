import { SteadError, isSteadError } from '../../../shared/errors.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import { restoredRecord } from '../../record/blob-record.js';
import type { BlobStamp } from '../../record/record.js';
import { errorBytes } from '../../record/replies.js';
import type { Release } from '../../transaction/transaction.js';
import type { Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/** What a device presents with its blob request. */
export interface Presented {
  readonly ref: Uint8Array;
  readonly blob: Uint8Array | null;
  /** The sealed "no blob after generation g" it holds (blob-delivery.ts), if any. */
  readonly marker: Uint8Array | null;
}

/**
 * A device's blob request (`[9, ref, blob, marker]`, DESIGN §7): its session keeps blobs, and with
 * a blob the record is restored from it where the broker's copy is missing (never written) or
 * older. A restored record commits before its answer leaves (rule 7) and replaces every session's
 * bookkeeping, so held requests go; its commit sends every keeper a new blob. A marker newer than
 * the blob makes the restore partial (BLOB_PARTIAL; it still happens). Any other answer comes
 * after the broker's current blob, so a device whose blob fell behind, or was refused, holds a
 * good one again (docs/sessions.md).
 */
export function blobRequestStep(view: ProtocolView, session: string, presented: Presented, now: number): Step {
  const { ref, blob, marker } = presented;
  const blobs = view.blobs;
  if (!blobs) {
    const error = new SteadError('BLOB_FOREIGN', 'this proxy type keeps no sealed session blobs', { data: { reason: 'off' } });
    return { record: null, durable: false, releases: [{ session, bytes: errorBytes(ref, 0, error) }], error };
  }
  const current = view.stored ? blobs.current(view.record, session) : null;
  const answer = (bytes: Uint8Array): Release[] => (current ? [current, { session, bytes }] : [{ session, bytes }]);
  if (!blob) return { record: null, durable: false, releases: answer(status(ref, 'kept')), keeper: session };
  try {
    const opened = blobs.open(blob, session, now);
    const record = restoredRecord(view.record, view.stored, opened, () => blobs.newLineage());
    if (!record) return { record: null, durable: false, releases: answer(status(ref, 'current')), keeper: session };
    const restored = { record, durable: true, keeper: session, dropHeld: 'all', counts: RESTORED } as const;
    if (!marker || !blobs.missed(marker, session, opened.blobStamp as BlobStamp, now)) return { ...restored, releases: [{ session, bytes: status(ref, 'restored') }] };
    const error = new SteadError('BLOB_PARTIAL', 'restored from a blob older than the newest record, whose blob did not fit in a frame');
    return { ...restored, releases: [{ session, bytes: errorBytes(ref, 0, error) }], error };
  } catch (error) {
    if (!isSteadError(error)) throw error;
    return { record: null, durable: false, releases: answer(errorBytes(ref, 0, error)), error, keeper: session };
  }
}

const RESTORED = Object.freeze(['blobs.restored']);

function status(ref: Uint8Array, value: 'kept' | 'current' | 'restored'): Uint8Array {
  return encodeFrame({ kind: Kind.reply, ref, seq: 0, value });
}
