import { bytesEqual } from '../../../shared/bytes.js';
import { SteadError } from '../../../shared/errors.js';
import { encodeValue } from '../../../shared/wire/codec.js';
import type { BeginFrame } from '../../../shared/wire/frames.js';
import { newSession, sessionLimitError, type ProxyRecord } from '../../record/record.js';
import { begun, seenBegin } from '../../record/session-steps.js';
import { bookkeeping } from '../bookkeeping.js';
import { recordBoundError } from '../record-bound.js';
import { refuse, send, type Step } from '../step.js';
import type { ProtocolView } from '../view.js';

/**
 * Rule 1: a new instance — new nonce, seq restarts, older instances fenced; the answer carries
 * the memento and whether the previous instance ended. The same begin again (its reply was lost)
 * gets the same answer while its instance is current; a begin seen before that is no longer
 * current (MQTT redelivered it after a newer begin or an end) starts nothing.
 */
export function beginStep(view: ProtocolView, session: string, frame: BeginFrame, now: number): Step {
  let s = view.record.sessions.get(session);
  if (s?.begunReply && bytesEqual(s.beginToken, frame.token)) return send(session, s.begunReply);
  if (s && seenBegin(s, frame.token)) {
    return refuse(session, frame.token, 0, new SteadError('STALE_INSTANCE', 'this begin was answered before; a newer begin or an end replaced its instance'));
  }
  // The info is kept with the session's visits, in a record written on every commit: bounded.
  if (encodeValue(frame.info).length > view.limits.maxBeginInfoBytes) {
    return refuse(session, frame.token, 0, new SteadError('INFO_TOO_LARGE', `begin info exceeds ${view.limits.maxBeginInfoBytes} bytes`));
  }
  const creates = !s;
  if (!s) {
    const full = sessionLimitError(view.record.sessions.size, view.limits);
    if (full) return refuse(session, frame.token, 0, full);
    s = newSession(now, view.limits);
  }
  const next = begun(s, frame.token, view.newNonce(), now, frame.info);
  const step = bookkeeping(view, session, next, true, [{ session, bytes: next.begunReply as Uint8Array }], now);
  // A new session is a new part of the record, within its bound; a begin of a session the proxy
  // keeps is never refused for it (its instance is how a device acknowledges, shrinking the queue).
  const tooLarge = creates ? recordBoundError(view, step.record as ProxyRecord) : null;
  if (tooLarge) return refuse(session, frame.token, 0, tooLarge);
  return { ...step, dropHeld: [session] };
}
