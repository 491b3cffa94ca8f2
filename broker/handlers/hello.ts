import { SteadError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/bytes.js';
import { encodeFrame, helloFrame } from '../../shared/wire/codec.js';
import type { HelloFrame } from '../../shared/wire/frames.js';
import { newSession } from '../record/record.js';
import { acked } from '../record/session-steps.js';
import { ackRefusal } from './ack.js';
import type { SessionView, Verdict } from './verdict.js';

/**
 * A device (re)attached to a session: apply its ack, answer hello with the queue's horizon and
 * epoch, then send again every notification it has not acknowledged, in order (at least once
 * over the wire). Only the current instance's ack counts, and only in the queue's epoch; a hello
 * from another nonce is still answered, after an error frame that tells it its instance is gone.
 */
export function handleHello(view: SessionView, session: string, frame: HelloFrame): Verdict {
  let s = view.session(session);
  if (!s) {
    if (view.sessionCount >= view.limits.maxSessionsPerProxy) {
      return { kind: 'refuse', ref: null, seq: 0, error: new SteadError('SESSION_LIMIT', `proxy keeps ${view.limits.maxSessionsPerProxy} sessions at most`) };
    }
    s = newSession(view.now(), view.limits);
  }
  let next = s;
  // A device that handled seqs past the last one, in this epoch, proves the queue went back (an
  // older copy of the record): a new epoch makes devices start over instead of skipping seqs.
  if (bytesEqual(frame.epoch, s.queue.epoch) && frame.acked > s.queue.lastSeq) {
    next = { ...s, queue: { ...s.queue, epoch: view.newNonce() } };
  }
  const refusal = frame.nonce && ackRefusal(s, frame.nonce);
  if (frame.nonce && !refusal && bytesEqual(frame.epoch, next.queue.epoch)) next = acked(next, frame.acked);
  const answer = encodeFrame(helloFrame(next.queue.lastSeq, 'stead-broker', null, next.queue.epoch));
  // A new session is kept in memory only, as before any write (no notification was released
  // under its epoch yet); an ack or a new epoch must be durable before the answer.
  return {
    kind: 'update',
    session: next,
    send: answer,
    refusal: frame.nonce && refusal ? { ref: frame.nonce, error: refusal } : null,
    durable: next.queue !== s.queue,
    dropHeld: false,
    resendQueue: true,
  };
}
