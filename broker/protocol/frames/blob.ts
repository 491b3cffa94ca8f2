import { SteadError } from '../../../shared/errors.js';
import type { BlobFrame } from '../../../shared/wire/frames.js';
import { blobRequestStep } from '../blobs/blob-request.js';
import { refuse, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * DESIGN §7: a device's blob request — it keeps blobs, and may present one to restore from. Only
 * a device's request names a ref; a blob without one only goes from proxy to device.
 */
export function blobStep(view: ProtocolView, session: string, frame: BlobFrame, now: number): Step {
  if (!frame.ref) return refuse(session, null, 0, new SteadError('MALFORMED_FRAME', 'a blob frame without a ref only goes from proxy to device'));
  return blobRequestStep(view, session, { ref: frame.ref, blob: frame.blob, marker: frame.marker ?? null }, now);
}
