import type { HelloFrame } from '../../../shared/wire/frames.js';
import type { Answer } from './answer.js';

/**
 * The proxy answers a hello with the queue's horizon and epoch; its queue follows. No epoch: the
 * proxy keeps no queue for the session (none was made yet, or the session is gone).
 */
export function helloAnswer(frame: HelloFrame): Answer {
  return { to: 'hello', horizon: frame.epoch ? frame.acked : 0, epoch: frame.epoch };
}
