import { SteadError } from '../../../shared/errors.js';
import type { CallFrame } from '../../../shared/wire/frames.js';
import { withoutIdle } from '../../record/idle.js';
import { dueTimer } from '../../record/record.js';
import { purgeExpired } from '../../record/resources.js';
import { NOTHING, refuse, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * A proxy woken without a request (record/wake-at.ts lists the reasons): sessions idle past the
 * TTL go with their held requests (DESIGN §6), expired resources leave the store, and the earliest
 * due timer fires — its removal commits with its method's effect, so it fires exactly once.
 * Nothing due: the next wake-up is armed from the record.
 */
export function wakeStep(view: ProtocolView, now: number): Step {
  const sweep = withoutIdle(view.record, now, view.idleTtlMs);
  const swept = sweep?.record ?? view.record;
  const record = purgeExpired(swept, now);
  const due = dueTimer(record, now);
  const step: Step = record === view.record ? NOTHING : { record, durable: true, releases: [] };
  const tail: Step = due ? { ...step, run: { kind: 'timer', due } } : { ...step, rearm: true };
  return sweep ? { ...tail, dropHeld: sweep.swept, counts: ['sessions.swept'] } : tail;
}

/** The pulse: app code every N ms while the proxy is live (DESIGN §4). */
export function pulseStep(): Step {
  return PULSE;
}

const PULSE: Step = Object.freeze({ ...NOTHING, run: Object.freeze({ kind: 'pulse' as const }) });

/** Rule 4: a request held for a gap that did not fill in time (undefined: it ran meanwhile). */
export function heldExpiredStep(session: string, frame: CallFrame | undefined): Step {
  if (!frame) return NOTHING;
  return refuse(session, frame.nonce, frame.seq, new SteadError('OUT_OF_ORDER', `seq ${frame.seq} waited for a gap that did not fill`));
}
