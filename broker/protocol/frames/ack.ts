import { SteadError } from '../../../shared/errors.js';
import { bytesEqual } from '../../../shared/bytes.js';
import type { AckFrame } from '../../../shared/wire/frames.js';
import type { SessionRecord } from '../../record/record.js';
import { acked } from '../../record/session-steps.js';
import { bookkeeping } from '../bookkeeping.js';
import { NOTHING, refuse, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * Cumulative acknowledgement of notifications: acknowledged items leave the queue. Only the
 * current instance may acknowledge (rule 2), so a fenced device cannot make the proxy forget
 * what another instance has not handled; the refusal names the nonce, with seq 0 (it answers
 * no request). A seq past the queue's last is from a queue that went back: it changes nothing.
 */
export function ackStep(view: ProtocolView, session: string, frame: AckFrame, now: number): Step {
  const s = view.record.sessions.get(session);
  const refusal = ackRefusal(s, frame.nonce);
  if (refusal) return refuse(session, frame.nonce, 0, refusal);
  const next = s && frame.seq <= s.queue.lastSeq ? acked(s, frame.seq) : s;
  if (!next || next === s) return NOTHING;
  return bookkeeping(view, session, next, true, [], now);
}

/** Why this nonce may not acknowledge the session's notifications; null when it may. */
export function ackRefusal(s: SessionRecord | undefined, nonce: Uint8Array): SteadError | null {
  if (s?.nonce) return bytesEqual(s.nonce, nonce) ? null : new SteadError('STALE_INSTANCE', 'only the current instance may acknowledge');
  if (s && bytesEqual(s.endedNonce, nonce)) return new SteadError('STALE_INSTANCE', 'this session instance has ended');
  return new SteadError('NOT_BEGUN', 'the session has no current instance to acknowledge for');
}
