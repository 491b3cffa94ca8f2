import { SteadError, isSteadError } from '../../../shared/errors.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import { restoredRecord } from '../../record/blob-record.js';
import { errorBytes } from '../../record/replies.js';
import type { Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * A device's blob request (`[9, ref, blob]`, DESIGN §7): its session keeps blobs, and with a blob
 * the record is restored from it where the broker's copy is missing (never written) or older. A
 * restored record commits before its answer leaves (rule 7) and replaces every session's
 * bookkeeping, so held requests go. A refused blob restores nothing and the session goes on from
 * the broker's copy (docs/sessions.md).
 */
export function blobRequestStep(view: ProtocolView, session: string, ref: Uint8Array, blob: Uint8Array | null, now: number): Step {
  const blobs = view.blobs;
  if (!blobs) {
    const error = new SteadError('BLOB_FOREIGN', 'this proxy type keeps no sealed session blobs', { data: { reason: 'off' } });
    return { record: null, durable: false, releases: [{ session, bytes: errorBytes(ref, 0, error) }], error };
  }
  if (!blob) return { record: null, durable: false, releases: [{ session, bytes: status(ref, 'kept') }], keeper: session };
  try {
    const record = restoredRecord(view.record, view.stored, blobs.open(blob, session, now), () => blobs.newLineage());
    const releases = [{ session, bytes: status(ref, record ? 'restored' : 'current') }];
    if (!record) return { record: null, durable: false, releases, keeper: session };
    return { record, durable: true, releases, keeper: session, dropHeld: 'all', counts: ['blobs.restored'] };
  } catch (error) {
    if (!isSteadError(error)) throw error;
    return { record: null, durable: false, releases: [{ session, bytes: errorBytes(ref, 0, error) }], error, keeper: session };
  }
}

function status(ref: Uint8Array, value: 'kept' | 'current' | 'restored'): Uint8Array {
  return encodeFrame({ kind: Kind.reply, ref, seq: 0, value });
}
