import { SteadError } from '../../shared/errors.js';
import type { BlobFrame } from '../../shared/wire/frames.js';
import type { SessionView, Verdict } from './verdict.js';

/**
 * DESIGN §7: a device's blob request — it keeps blobs, and may present one to restore from. Only
 * a device's request names a ref; a blob without one only goes from proxy to device.
 */
export function handleBlob(_view: SessionView, _session: string, frame: BlobFrame): Verdict {
  if (!frame.ref) return { kind: 'refuse', ref: null, seq: 0, error: new SteadError('MALFORMED_FRAME', 'a blob frame without a ref only goes from proxy to device') };
  return { kind: 'blob', ref: frame.ref, blob: frame.blob };
}
