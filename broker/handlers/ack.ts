import type { AckFrame } from '../../shared/wire/frames.js';
import { ackQueue } from '../proxy/effects.js';
import type { Proxy } from '../proxy/proxy.js';

/** Cumulative acknowledgement of notifications: acknowledged items leave the queue. */
export function handleAck(proxy: Proxy, session: string, frame: AckFrame): void {
  const s = proxy.record.sessions.get(session);
  if (s && ackQueue(s, frame.seq)) proxy.commitBookkeeping([]);
}
