import { SteadError } from '../../../shared/errors.js';
import type { HelloFrame } from '../../../shared/wire/frames.js';
import type { Answer } from './answer.js';

/** The proxy answers a hello with the queue's horizon and epoch; its queue follows. */
export function helloAnswer(frame: HelloFrame): Answer {
  if (frame.epoch) return { to: 'hello', horizon: frame.acked, epoch: frame.epoch };
  return { to: 'report', error: new SteadError('MALFORMED_FRAME', 'the proxy answered hello without a queue epoch') };
}
