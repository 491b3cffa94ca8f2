import { encodeFrame, helloFrame } from '../../shared/wire/codec.js';
import type { HelloFrame } from '../../shared/wire/frames.js';
import { ackQueue, openSession } from '../proxy/effects.js';
import type { Proxy } from '../proxy/proxy.js';
import { toSteadError } from '../proxy/replies.js';

/**
 * A device (re)attached to a session: apply its ack, answer hello, then send again every
 * notification it has not acknowledged, in order (at least once over the wire).
 */
export function handleHello(proxy: Proxy, session: string, frame: HelloFrame): void {
  let s;
  try {
    s = openSession(proxy.record, session, proxy.now());
  } catch (error) {
    return proxy.sendError(session, null, 0, toSteadError(error));
  }
  const changed = ackQueue(s, frame.acked);
  proxy.send(session, encodeFrame(helloFrame(s.queue.lastSeq, 'stead-broker')));
  proxy.resendQueue(session);
  if (changed) proxy.commitBookkeeping([]);
}
