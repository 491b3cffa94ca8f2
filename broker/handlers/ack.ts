import { SteadError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/random.js';
import type { AckFrame } from '../../shared/wire/frames.js';
import { ackQueue } from '../proxy/effects.js';
import type { Proxy } from '../proxy/proxy.js';
import type { SessionRecord } from '../proxy/record.js';

/**
 * Cumulative acknowledgement of notifications: acknowledged items leave the queue. Only the
 * current instance may acknowledge (rule 2), so a fenced device cannot make the proxy forget
 * what another instance has not handled; the refusal names the nonce, with seq 0 (it answers
 * no request). A seq past the queue's last is from a queue that went back: it changes nothing.
 */
export function handleAck(proxy: Proxy, session: string, frame: AckFrame): void {
  const s = proxy.record.sessions.get(session);
  const refusal = ackRefusal(s, frame.nonce);
  if (refusal) return proxy.sendError(session, frame.nonce, 0, refusal);
  if (s && frame.seq <= s.queue.lastSeq && ackQueue(s, frame.seq)) proxy.commitBookkeeping([]);
}

/** Why this nonce may not acknowledge the session's notifications; null when it may. */
export function ackRefusal(s: SessionRecord | undefined, nonce: Uint8Array): SteadError | null {
  if (s?.nonce) return bytesEqual(s.nonce, nonce) ? null : new SteadError('STALE_INSTANCE', 'only the current instance may acknowledge');
  if (s && bytesEqual(s.endedNonce, nonce)) return new SteadError('STALE_INSTANCE', 'this session instance has ended');
  return new SteadError('NOT_BEGUN', `session has no current instance to acknowledge for`);
}
