import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import type { CallFrame } from '../../shared/wire/frames.js';
import type { SessionView, Verdict } from './verdict.js';

/** DESIGN §4 rules 2–4, applied before any app code runs; then the method (rules 5–7). */
export function handleCall(view: SessionView, session: string, frame: CallFrame): Verdict {
  const s = view.session(session);
  if (!s?.nonce) {
    const error = s && bytesEqual(s.endedNonce, frame.nonce)
      ? new SteadError('STALE_INSTANCE', 'this session instance has ended')
      : new SteadError('NOT_BEGUN', `session ${session} has no current instance`);
    return refuse(frame, error);
  }
  // Rule 2: only the current instance may act.
  if (!bytesEqual(s.nonce, frame.nonce)) return refuse(frame, new SteadError('STALE_INSTANCE', 'a newer begin fenced this instance'));
  // Seqs the device holds replies for are done (see session-steps `skipped`).
  const last = Math.max(s.lastSeq, frame.answered);
  // Rule 3: a duplicate gets the cached reply; the method does not run again.
  if (frame.seq <= last) {
    const cached = s.replies.get(frame.seq);
    if (cached) return { kind: 'send', bytes: cached };
    return refuse(frame, new SteadError('STALE_REQUEST', `seq ${frame.seq} is older than the reply cache`));
  }
  // Rule 4: a gap holds the request until it fills, or OUT_OF_ORDER after a deadline.
  if (frame.seq > last + 1) {
    if (frame.seq > last + view.limits.maxWindow) return refuse(frame, new SteadError('WINDOW_EXCEEDED', `seq ${frame.seq} is beyond the window`));
    return { kind: 'hold', frame, skipTo: frame.answered };
  }
  return { kind: 'run', frame, skipTo: frame.answered };
}

function refuse(frame: CallFrame, error: SteadError): Verdict {
  return { kind: 'refuse', ref: frame.nonce, seq: frame.seq, error };
}
