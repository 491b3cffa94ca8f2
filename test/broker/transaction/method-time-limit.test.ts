import { describe, expect, it } from 'vitest';
import { connectDevice } from '../../../device/index.js';
import { hostileApp } from '../../helpers/apps/hostile-app.js';
import { startBroker } from '../../helpers/broker.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { until } from '../../helpers/wait.js';

// Issue 6, hole 3: a method that never settles is abandoned after the method time limit with
// METHOD_TIMEOUT; its transaction is rolled back and the proxy moves on.

describe('methods have a time limit', () => {
  it('a method that never settles fails with METHOD_TIMEOUT, rolled back, and the proxy moves on', async () => {
    const clock = new ManualClock();
    const broker = await startBroker({ apps: [hostileApp], clock, limits: { methodTimeoutMs: 1000 } });
    const device = await connectDevice({ url: broker.url });
    try {
      const main = device.session('hostile/stuck', 'main');
      const other = device.session('hostile/stuck', 'other');
      await main.begin();
      await other.begin();
      const stuck = main.call('never');
      const waiting = other.call('bump');
      // The pulse keeps one timer on the clock; the time limit of the running method is the second.
      await until(() => clock.pending >= 2, 5000, 'the time limit armed');
      clock.advance(999);
      expect(await Promise.race([waiting.then(() => 'ran'), new Promise((r) => setTimeout(() => r('blocked'), 100))])).toBe('blocked');
      clock.advance(1);
      await expect(stuck).rejects.toMatchObject({ code: 'STEAD_E_METHOD_TIMEOUT' });
      // The abandoned method's count++ is rolled back: only the other session's bump counts.
      expect(await waiting).toBe(1);
      expect(await main.call('count')).toBe(1);
    } finally {
      await device.close();
      await broker.close();
    }
  });

  it('broker.close() returns while a method never settles', async () => {
    const broker = await startBroker({ apps: [hostileApp], limits: { methodTimeoutMs: 200 } });
    const device = await connectDevice({ url: broker.url });
    const main = device.session('hostile/closing', 'main');
    await main.begin();
    const stuck = main.call('never').catch((e: unknown) => e);
    await until(() => broker.metrics.get('frames.in') >= 2, 5000, 'the call to arrive');
    await broker.close();
    await device.close();
    expect(await stuck).toMatchObject({ code: expect.stringMatching(/STEAD_E_(METHOD_TIMEOUT|CLOSED)/) });
  });
});
