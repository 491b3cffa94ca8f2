import { bytesEqual } from '../../../shared/bytes.js';
import { encodeFrame, helloFrame } from '../../../shared/wire/codec.js';
import type { HelloFrame } from '../../../shared/wire/frames.js';
import { errorBytes, queueFrames } from '../../record/replies.js';
import { acked } from '../../record/session-steps.js';
import type { Release } from '../../transaction/transaction.js';
import { bookkeeping } from '../bookkeeping.js';
import type { Step } from '../step.js';
import type { ProtocolView } from '../view.js';
import { ackRefusal } from './ack.js';

/**
 * The answer for a session the proxy does not keep: no queue (no epoch), nothing queued. The
 * device delivers nothing until a queue is made, and asks for its epoch when one is.
 */
const NO_QUEUE = encodeFrame(helloFrame(0, 'stead-broker', null, null));

/**
 * A device (re)attached to a session: apply its ack, answer hello with the queue's horizon and
 * epoch, then send again every notification it has not acknowledged, in order (at least once
 * over the wire). Only the current instance's ack counts, and only in the queue's epoch; a hello
 * from another nonce is still answered, after an error frame that tells it its instance is gone.
 * A hello makes no session: one for a session the proxy does not keep is answered without a
 * queue, so made-up names neither take session slots nor grow the record.
 */
export function helloStep(view: ProtocolView, session: string, frame: HelloFrame, now: number): Step {
  const s = view.record.sessions.get(session);
  if (!s) return noSession(session, frame);
  let next = s;
  // A device that handled seqs past the last one, in this epoch, proves the queue went back (an
  // older copy of the record): a new epoch makes devices start over instead of skipping seqs.
  if (bytesEqual(frame.epoch, s.queue.epoch) && frame.acked > s.queue.lastSeq) {
    next = { ...s, queue: { ...s.queue, epoch: view.newNonce() } };
  }
  const refusal = frame.nonce ? ackRefusal(s, frame.nonce) : null;
  if (frame.nonce && !refusal && bytesEqual(frame.epoch, next.queue.epoch)) next = acked(next, frame.acked);
  const releases: Release[] = [];
  if (refusal) releases.push({ session, bytes: errorBytes(frame.nonce, 0, refusal) });
  releases.push({ session, bytes: encodeFrame(helloFrame(next.queue.lastSeq, 'stead-broker', null, next.queue.epoch)) });
  for (const bytes of queueFrames(next.queue)) releases.push({ session, bytes });
  // An ack or a new epoch must be durable before the answer.
  const step = bookkeeping(view, session, next, next.queue !== s.queue, releases, now);
  return refusal ? { ...step, error: refusal, refused: { session, ref: frame.nonce } } : step;
}

/** No such session: the no-queue answer, after NOT_BEGUN when the hello names an instance. */
function noSession(session: string, frame: HelloFrame): Step {
  const answer: Release = { session, bytes: NO_QUEUE };
  const refusal = frame.nonce ? ackRefusal(undefined, frame.nonce) : null;
  if (!refusal) return { record: null, durable: false, releases: [answer] };
  const releases = [{ session, bytes: errorBytes(frame.nonce, 0, refusal) }, answer];
  return { record: null, durable: false, releases, error: refusal, refused: { session, ref: frame.nonce } };
}
