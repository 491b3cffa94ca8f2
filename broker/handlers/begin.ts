import { bytesEqual } from '../../shared/random.js';
import { begunValue, encodeFrame } from '../../shared/wire/codec.js';
import { Kind, type BeginFrame } from '../../shared/wire/frames.js';
import { openSession } from '../proxy/effects.js';
import type { Proxy } from '../proxy/proxy.js';
import { toSteadError } from '../proxy/replies.js';

/**
 * Rule 1: a new instance — new nonce, seq restarts, older instances fenced; the answer carries
 * the memento and whether the previous instance ended. A repeated begin (same token) gets the
 * same answer, so a lost begin reply does not look like a crash.
 */
export function handleBegin(proxy: Proxy, session: string, frame: BeginFrame): void {
  const existing = proxy.record.sessions.get(session);
  if (existing?.begunReply && bytesEqual(existing.beginToken, frame.token)) {
    return proxy.send(session, existing.begunReply);
  }
  let s;
  try {
    s = openSession(proxy.record, session, proxy.now());
  } catch (error) {
    return proxy.sendError(session, frame.token, 0, toSteadError(error));
  }
  const crashed = s.nonce !== null;
  const nonce = proxy.newNonce();
  const now = proxy.now();
  proxy.dropHeld(session);
  s.nonce = nonce;
  s.endedNonce = null;
  s.lastSeq = 0;
  s.replies.clear();
  s.beginToken = frame.token;
  s.begunReply = encodeFrame({ kind: Kind.reply, ref: frame.token, seq: 0, value: begunValue({ nonce, memento: s.memento, crashed }) });
  s.visits.previous = s.visits.latest;
  s.visits.latest = now;
  s.visits.info = frame.info;
  proxy.commitBookkeeping([{ session, bytes: s.begunReply }]);
}
