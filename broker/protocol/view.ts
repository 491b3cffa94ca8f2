import type { Limits } from '../../shared/limits.js';
import type { ProxyRecord } from '../record/record.js';
import type { SessionBlobs } from './blobs/blob-delivery.js';

/**
 * What a protocol decision sees of its proxy: the record and the settings it is judged by. The
 * decisions never change anything: they return a Step, and the proxy carries it out (as aedes'
 * handlers take the client and never import the broker). Time is an argument of each decision.
 */
export interface ProtocolView {
  readonly record: ProxyRecord;
  readonly limits: Limits;
  /** Sessions not seen for this long are swept (docs/sessions.md); null: never. */
  readonly idleTtlMs: number | null;
  /** Whether the record was read from the store (false: built new, never written). */
  readonly stored: boolean;
  /** The proxy's sealed blobs (DESIGN §7); null when its type keeps none or there is no key. */
  readonly blobs: SessionBlobs | null;
  /** Fresh random bytes (nonces, queue epochs, blob lineages) from the injected Random. */
  newNonce(): Uint8Array;
}
