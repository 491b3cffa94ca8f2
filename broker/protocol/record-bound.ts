import { SteadError } from '../../shared/errors.js';
import { recordBytes } from '../record/record-codec.js';
import type { ProxyRecord } from '../record/record.js';
import type { ProtocolView } from './view.js';

/**
 * The record bound (limits.maxRecordBytes, docs/stores.md): a proxy's record is written whole on
 * every commit, so an effect may not grow it past the bound — a notification queued for a device
 * that stays away, a state write, a resource, a new session. The change that would is refused
 * with RECORD_TOO_LARGE and nothing of it is kept. A change that leaves the record no larger than
 * it was (an ack, a delete, an end, a smaller state) is never refused: a proxy at its bound can
 * always get back under it. Checked once per commit that grows a record, on the record the commit
 * would write; measuring it encodes only the sessions that commit changed (record-codec.ts).
 */
export function recordBoundError(view: ProtocolView, next: ProxyRecord): SteadError | null {
  const max = view.limits.maxRecordBytes;
  const bytes = recordBytes(next);
  if (bytes <= max || bytes <= recordBytes(view.record)) return null;
  return new SteadError('RECORD_TOO_LARGE', `the proxy record would be ${bytes} bytes, over limits.maxRecordBytes (${max})`);
}
