import { SteadError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/random.js';
import type { CallFrame } from '../../shared/wire/frames.js';
import type { Proxy } from '../proxy/proxy.js';

/** DESIGN §4 rules 2–4, applied before any app code runs; then the method (rules 5–7). */
export function handleCall(proxy: Proxy, session: string, frame: CallFrame): Promise<void> | void {
  const s = proxy.record.sessions.get(session);
  if (!s?.nonce) {
    const ended = s && bytesEqual(s.endedNonce, frame.nonce);
    const error = ended
      ? new SteadError('STALE_INSTANCE', 'this session instance has ended')
      : new SteadError('NOT_BEGUN', `session ${session} has no current instance`);
    return proxy.sendError(session, frame.nonce, frame.seq, error);
  }
  // Rule 2: only the current instance may act.
  if (!bytesEqual(s.nonce, frame.nonce)) {
    return proxy.sendError(session, frame.nonce, frame.seq, new SteadError('STALE_INSTANCE', 'a newer begin fenced this instance'));
  }
  // Seqs the device holds replies for are done; after a reload only read-only calls can be
  // missing among them (writes commit before their reply leaves), so skipping is safe.
  if (frame.answered > s.lastSeq) {
    s.lastSeq = frame.answered;
    proxy.releaseNextHeld(session, s.lastSeq);
  }
  // Rule 3: a duplicate gets the cached reply; the method does not run again.
  if (frame.seq <= s.lastSeq) {
    const cached = s.replies.get(frame.seq);
    if (cached) return proxy.send(session, cached);
    return proxy.sendError(session, frame.nonce, frame.seq, new SteadError('STALE_REQUEST', `seq ${frame.seq} is older than the reply cache`));
  }
  // Rule 4: a gap holds the request until it fills, or OUT_OF_ORDER after a deadline.
  if (frame.seq > s.lastSeq + 1) {
    if (frame.seq > s.lastSeq + proxy.limits.maxWindow) {
      return proxy.sendError(session, frame.nonce, frame.seq, new SteadError('WINDOW_EXCEEDED', `seq ${frame.seq} is beyond the window`));
    }
    return proxy.hold(session, frame);
  }
  const running = proxy.invoke(session, frame);
  if (running) return running.then(() => proxy.releaseNextHeld(session, frame.seq));
  proxy.releaseNextHeld(session, frame.seq);
}
