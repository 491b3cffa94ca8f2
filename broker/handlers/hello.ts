import { bytesEqual } from '../../shared/random.js';
import { encodeFrame, helloFrame } from '../../shared/wire/codec.js';
import type { HelloFrame } from '../../shared/wire/frames.js';
import { ackQueue, openSession } from '../proxy/effects.js';
import type { Proxy } from '../proxy/proxy.js';
import { newEpoch } from '../proxy/record.js';
import { toSteadError } from '../proxy/replies.js';
import { ackRefusal } from './ack.js';

/**
 * A device (re)attached to a session: apply its ack, answer hello with the queue's horizon and
 * epoch, then send again every notification it has not acknowledged, in order (at least once
 * over the wire). Only the current instance's ack counts, and only in the queue's epoch; a hello
 * from another nonce is still answered, after an error frame that tells it its instance is gone.
 */
export function handleHello(proxy: Proxy, session: string, frame: HelloFrame): void {
  const created = !proxy.record.sessions.has(session);
  let s;
  try {
    s = openSession(proxy.record, session, proxy.now());
  } catch (error) {
    return proxy.sendError(session, null, 0, toSteadError(error));
  }
  const queue = s.queue;
  // The epoch the device is told must be the stored one: a new session commits before answering.
  let changed = created;
  // A device that handled seqs past the last one, in this epoch, proves the queue went back (an
  // older copy of the record): a new epoch makes devices start over instead of skipping seqs.
  if (bytesEqual(frame.epoch, queue.epoch) && frame.acked > queue.lastSeq) {
    queue.epoch = newEpoch();
    changed = true;
  }
  if (frame.nonce) {
    const refusal = ackRefusal(s, frame.nonce);
    if (refusal) proxy.sendError(session, frame.nonce, 0, refusal);
    else if (bytesEqual(frame.epoch, queue.epoch) && ackQueue(s, frame.acked)) changed = true;
  }
  const answer = encodeFrame(helloFrame(queue.lastSeq, 'stead-broker', null, queue.epoch));
  if (changed) proxy.commitBookkeeping([{ session, bytes: answer }]);
  else proxy.send(session, answer);
  proxy.resendQueue(session);
}
