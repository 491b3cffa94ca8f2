import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import { encodeValue } from '../../shared/wire/codec.js';
import type { BeginFrame } from '../../shared/wire/frames.js';
import { newSession } from '../record/record.js';
import { begun, seenBegin } from '../record/session-steps.js';
import type { SessionView, Verdict } from './verdict.js';

/**
 * Rule 1: a new instance — new nonce, seq restarts, older instances fenced; the answer carries
 * the memento and whether the previous instance ended. The same begin again (its reply was lost)
 * gets the same answer while its instance is current; a begin seen before that is no longer
 * current (MQTT redelivered it after a newer begin or an end) starts nothing.
 */
export function handleBegin(view: SessionView, session: string, frame: BeginFrame): Verdict {
  let s = view.session(session);
  if (s?.begunReply && bytesEqual(s.beginToken, frame.token)) return { kind: 'send', bytes: s.begunReply };
  if (s && seenBegin(s, frame.token)) {
    return { kind: 'refuse', ref: frame.token, seq: 0, error: new SteadError('STALE_INSTANCE', 'this begin was answered before; a newer begin or an end replaced its instance') };
  }
  // The info is kept with the session's visits, in a record written on every commit: bounded.
  if (encodeValue(frame.info).length > view.limits.maxBeginInfoBytes) {
    return { kind: 'refuse', ref: frame.token, seq: 0, error: new SteadError('INFO_TOO_LARGE', `begin info exceeds ${view.limits.maxBeginInfoBytes} bytes`) };
  }
  if (!s) {
    if (view.sessionCount >= view.limits.maxSessionsPerProxy) {
      return { kind: 'refuse', ref: frame.token, seq: 0, error: new SteadError('SESSION_LIMIT', `proxy keeps ${view.limits.maxSessionsPerProxy} sessions at most`) };
    }
    s = newSession(view.now(), view.limits);
  }
  const next = begun(s, frame.token, view.newNonce(), view.now(), frame.info);
  return { kind: 'update', session: next, send: next.begunReply, durable: true, dropHeld: true, resendQueue: false };
}
