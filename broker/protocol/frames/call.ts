import { bytesEqual } from '../../../shared/bytes.js';
import { SteadError } from '../../../shared/errors.js';
import type { CallFrame } from '../../../shared/wire/frames.js';
import { withSession, type SessionRecord } from '../../record/record.js';
import { skipped } from '../../record/session-steps.js';
import { NOTHING, refuse, send, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/** DESIGN §4 rules 2–4, applied before any app code runs; then the method (rules 5–7). */
export function callStep(view: ProtocolView, session: string, frame: CallFrame): Step {
  const s = view.record.sessions.get(session);
  if (!s?.nonce) {
    const error = s && bytesEqual(s.endedNonce, frame.nonce)
      ? new SteadError('STALE_INSTANCE', 'this session instance has ended')
      : new SteadError('NOT_BEGUN', `session ${session} has no current instance`);
    return refuse(session, frame.nonce, frame.seq, error);
  }
  // Rule 2: only the current instance may act.
  if (!bytesEqual(s.nonce, frame.nonce)) return refuse(session, frame.nonce, frame.seq, new SteadError('STALE_INSTANCE', 'a newer begin fenced this instance'));
  // The device admits seq n only while n - answered ≤ its window: a wider span than the reply
  // cache holds would push out a reply above `answered` that the device may still ask for.
  if (frame.seq - frame.answered > view.limits.replyCacheSize) {
    return refuse(session, frame.nonce, frame.seq, new SteadError('WINDOW_EXCEEDED', `seq ${frame.seq} is more than ${view.limits.replyCacheSize} past answered ${frame.answered}`));
  }
  // DESIGN §7: replies the device holds past a restored copy may be writes its blob missed: never skipped.
  if (s.restored && frame.answered > s.lastSeq) return refuse(session, frame.nonce, frame.seq, new SteadError('OUTCOME_LOST', `the proxy was restored from a blob that ends at seq ${s.lastSeq}; the device holds replies up to ${frame.answered}`));
  // Seqs the device holds replies for are done (see session-steps `skipped`).
  const last = Math.max(s.lastSeq, frame.answered);
  // Rule 3: a duplicate gets the cached reply; the method does not run again. A seq the cache no
  // longer holds may have run: STALE_REQUEST, never a second run.
  if (frame.seq <= last) {
    const cached = s.replies.get(frame.seq);
    if (cached) return send(session, cached);
    return refuse(session, frame.nonce, frame.seq, new SteadError('STALE_REQUEST', `seq ${frame.seq} is older than the reply cache`));
  }
  // Rule 4: a gap holds the request until it fills, or OUT_OF_ORDER after a deadline.
  if (frame.seq > last + 1) {
    if (frame.seq > last + view.limits.maxWindow) return refuse(session, frame.nonce, frame.seq, new SteadError('WINDOW_EXCEEDED', `seq ${frame.seq} is beyond the window`));
    return { ...skippedTo(view, session, s, frame.answered), hold: { session, frame } };
  }
  return { ...skippedTo(view, session, s, frame.answered), run: { kind: 'call', session, frame } };
}

/**
 * Moves past seqs the device says it holds replies for (kept in memory: after a reload only
 * read-only calls can be missing among them); a request held after them may run.
 */
function skippedTo(view: ProtocolView, name: string, s: SessionRecord, answered: number): Step {
  if (answered <= s.lastSeq) return NOTHING;
  return { record: withSession(view.record, name, skipped(s, answered)), durable: false, releases: [], after: { session: name, seq: answered } };
}
