import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueuePolicy } from '../../../broker/index.js';
import { ackedQueue, enqueued, limited } from '../../../broker/record/queue.js';
import { newSession, type SessionRecord } from '../../../broker/record/record.js';
import { answered, skipped } from '../../../broker/record/session-steps.js';
import { LIMITS } from '../../../shared/limits.js';
import { lifecycleApp } from '../../helpers/apps/lifecycle-app.js';
import { brokerOnDemand } from '../../helpers/broker.js';

// Issue 7, lifecycle: trimming a queue or a cache never deletes a memento or an open nonce; only
// the idle sweep (idle-sweep.test.ts) removes a whole session.

const policies: QueuePolicy[] = ['drop-oldest', 'coalesce', 'refuse'];
const trim = fc.oneof(
  fc.record({ op: fc.constant('notify' as const), key: fc.option(fc.constantFrom('k1', 'k2')) }),
  fc.record({ op: fc.constant('limit' as const), length: fc.integer({ min: 1, max: 4 }), policy: fc.constantFrom(...policies) }),
  fc.record({ op: fc.constant('ack' as const), seq: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('answer' as const), answeredUpTo: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('skip' as const), to: fc.integer({ min: 0, max: 40 }) }),
);

describe('trimming keeps the session', () => {
  it('no sequence of queue policies, bounds, acks and reply-cache trims touches the nonce or the memento', () => {
    fc.assert(
      fc.property(fc.array(trim, { maxLength: 60 }), (steps) => {
        const nonce = Uint8Array.of(1, 2, 3);
        const memento = { spree: 7 };
        let s: SessionRecord = { ...newSession(0, LIMITS), nonce, memento };
        for (const step of steps) {
          switch (step.op) {
            case 'notify':
              try {
                s = { ...s, queue: enqueued(s.queue, 'n', step.key).queue };
              } catch {
                // A refuse queue that is full: the notifying transaction fails, the session stays.
              }
              break;
            case 'limit':
              s = { ...s, queue: limited(s.queue, step.length, step.policy) };
              break;
            case 'ack':
              s = { ...s, queue: ackedQueue(s.queue, step.seq) };
              break;
            case 'answer':
              s = answered(s, s.lastSeq + 1, Uint8Array.of(0), step.answeredUpTo);
              break;
            case 'skip':
              s = skipped(s, step.to);
              break;
          }
          expect(s.nonce).toBe(nonce);
          expect(s.memento).toBe(memento);
        }
      }),
    );
  });

  describe('on a live broker', () => {
    const env = brokerOnDemand();

    it('a session whose queue and reply cache overflowed every way still has its instance and memento', async () => {
      const device = await env.start({
        apps: [lifecycleApp],
        limits: { defaultQueueLength: 2, replyCacheSize: 2, maxWindow: 2, maxSessionsPerProxy: 3 },
      });
      const main = device.session('life/trim', 'main');
      await main.begin({ agent: 'trim' });
      expect(await main.call('step', 7)).toBe(1);
      // drop-oldest past its bound, then coalesce, then refuse (QUEUE_FULL), then a shorter bound.
      for (let i = 0; i < 5; i++) await main.call('tell', i, 'main');
      await main.call('limit', 'main', 2, 'coalesce');
      for (let i = 0; i < 4; i++) await main.call('tell', i, 'main', 'same');
      await main.call('limit', 'main', 3, 'refuse');
      await main.call('tell', 'x', 'main');
      await expect(main.call('tell', 'y', 'main')).rejects.toMatchObject({ code: 'STEAD_E_QUEUE_FULL' });
      await main.call('limit', 'main', 1, 'drop-oldest');
      // Sessions up to the limit, then one refused (nothing evicted to make room).
      await main.call('tell', 'hi', 'other');
      await main.call('tell', 'hi', 'third');
      await expect(main.call('tell', 'hi', 'fourth')).rejects.toMatchObject({ code: 'STEAD_E_SESSION_LIMIT' });
      // The reply cache trims far past its size.
      for (let i = 0; i < 10; i++) await main.call('read');
      // The instance is still current (its nonce open) …
      expect(await main.call('bump')).toBe(2);
      expect(await main.call('sessions')).toEqual(['main', 'other', 'third']);
      // … and a new begin gets the memento, and learns the last instance did not end.
      await expect(main.begin()).resolves.toMatchObject({ memento: 7, crashed: true });
    });

    it('a method that would make a session past the limit leaves nothing half-written', async () => {
      const device = await env.start({ apps: [lifecycleApp], limits: { maxSessionsPerProxy: 2 } });
      const main = device.session('life/half', 'main');
      await main.call('tell', 'zero', 'b');
      // It notifies b (which exists), then a new session past the limit, catching the refusal.
      await expect(main.call('tellPastLimit', 'b', 'c')).rejects.toMatchObject({ code: 'STEAD_E_SESSION_LIMIT' });
      expect(await main.call('queue', 'b')).toEqual(['zero']);
      await expect(main.call('limit', 'c', 5)).rejects.toMatchObject({ code: 'STEAD_E_SESSION_LIMIT' });
      expect(await main.call('sessions')).toEqual(['b', 'main']);
    });
  });
});
