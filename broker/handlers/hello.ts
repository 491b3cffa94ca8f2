import { SteadError } from '../../shared/errors.js';
import { encodeFrame, helloFrame } from '../../shared/wire/codec.js';
import type { HelloFrame } from '../../shared/wire/frames.js';
import { newSession } from '../record/record.js';
import { acked } from '../record/session-steps.js';
import type { SessionView, Verdict } from './verdict.js';

/**
 * A device (re)attached to a session: apply its ack, answer hello, then send again every
 * notification it has not acknowledged, in order (at least once over the wire).
 */
export function handleHello(view: SessionView, session: string, frame: HelloFrame): Verdict {
  let s = view.session(session);
  if (!s) {
    if (view.sessionCount >= view.limits.maxSessionsPerProxy) {
      return { kind: 'refuse', ref: null, seq: 0, error: new SteadError('SESSION_LIMIT', `proxy keeps ${view.limits.maxSessionsPerProxy} sessions at most`) };
    }
    s = newSession(view.now(), view.limits);
  }
  const next = acked(s, frame.acked);
  const answer = encodeFrame(helloFrame(next.queue.lastSeq, 'stead-broker'));
  // A new session is kept in memory only, as before any write; an ack must be durable.
  return { kind: 'update', session: next, send: answer, durable: next.queue !== s.queue, dropHeld: false, resendQueue: true };
}
