import { Kind, type Frame } from '../../../shared/wire/frames.js';
import type { ProtocolView } from '../view.js';

/**
 * What happens to something a proxy is asked to do while its record may be provisional.
 * - `run`: now.
 * - `wait`: after the record stops being provisional, in arrival order.
 * - `over`: the record is not provisional (any more): what waited runs first.
 */
export type KeeperGrace = 'run' | 'wait' | 'over';

/**
 * DESIGN §7, docs/sessions.md: a record the store does not hold (a new proxy, or one whose store
 * was lost) is provisional until its blob keepers had their chance: until it is first written (a
 * keeper's blob restored it, or a keeper began on it) or the type's grace period has passed since
 * the proxy was activated. Meanwhile only blob requests and the frames of sessions that made one
 * (keepers) run; other sessions' frames, resource requests, pulses and timers wait, so nothing is
 * answered from, or committed to, a record a restore could still replace. Once the record is
 * written, a blob of an unrelated history is BLOB_CONFLICT: nothing answered from it is undone.
 * `session` is null for a pulse, a timer or any other wake-up.
 */
export function keeperGrace(view: ProtocolView, session: string | null, frame: Frame | null, now: number): KeeperGrace {
  const blobs = view.blobs;
  if (!blobs || view.stored || !blobs.inGrace(now)) return 'over';
  if (frame?.kind === Kind.blob || (session !== null && blobs.keeps(session))) return 'run';
  return 'wait';
}
