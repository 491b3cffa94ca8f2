import { purgeExpired } from '../record/resources.js';
import type { ProxyRecord } from '../record/record.js';
import type { Release } from '../transaction/transaction.js';
import type { ProtocolView } from './view.js';

/**
 * The record a commit writes and what leaves with it: expired session resources purged (DESIGN
 * §6), and for a type that keeps blobs the next generation stamped and a sealed copy for every
 * session whose device keeps blobs, ahead of the replies (DESIGN §7).
 */
export function commitRecord(view: ProtocolView, changed: ProxyRecord, releases: readonly Release[], now: number): { record: ProxyRecord; releases: readonly Release[] } {
  const purged = purgeExpired(changed, now);
  if (!view.blobs) return { record: purged, releases };
  const record = view.blobs.stamped(purged);
  return { record, releases: view.blobs.withBlobs(record, releases) };
}
