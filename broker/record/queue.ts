import { SteadError } from '../../shared/errors.js';
import type { QueuePolicy, QueuedNotification } from '../apps/define-proxy.js';
import type { NotificationQueue } from './record.js';

/**
 * A notification queue's steps (DESIGN §4 notifications), each returning a new queue: the
 * record is a value and is never changed in place.
 */
export function enqueued(queue: NotificationQueue, payload: unknown, key: string | null): { queue: NotificationQueue; item: QueuedNotification } {
  let items = queue.items;
  let dropped = queue.dropped;
  if (queue.policy === 'coalesce' && key !== null) {
    const index = items.findIndex((item) => item.key === key);
    if (index >= 0) {
      items = items.filter((_, i) => i !== index);
      dropped++;
    }
  }
  if (items.length >= queue.limit) {
    if (queue.policy === 'refuse') throw new SteadError('QUEUE_FULL', `notification queue is full (${queue.limit})`);
    // Drop oldest: make room for one.
    const lost = items.length - queue.limit + 1;
    items = items.slice(lost);
    dropped += lost;
  }
  const item = { seq: queue.lastSeq + 1, payload, key };
  return { queue: { ...queue, items: [...items, item], lastSeq: item.seq, dropped }, item };
}

/** A new bound and overflow policy; a shorter bound drops the oldest items now. */
export function limited(queue: NotificationQueue, limit: number, policy: QueuePolicy): NotificationQueue {
  const keep = Math.min(queue.items.length, limit);
  const lost = queue.items.length - keep;
  return { ...queue, limit, policy, items: lost > 0 ? queue.items.slice(lost) : queue.items, dropped: queue.dropped + lost };
}

/** Cumulative ack: forget everything up to seq. The same queue when nothing changed. */
export function ackedQueue(queue: NotificationQueue, seq: number): NotificationQueue {
  const upTo = Math.min(seq, queue.lastSeq);
  if (upTo <= queue.acked) return queue;
  let keep = 0;
  while (keep < queue.items.length && (queue.items[keep] as QueuedNotification).seq <= upTo) keep++;
  return { ...queue, acked: upTo, items: queue.items.slice(keep) };
}
