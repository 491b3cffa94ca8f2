import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device } from '../../../device/index.js';
import timerApp from '../../helpers/apps/timer-app.js';
import { startBroker } from '../../helpers/broker.js';
import { failingStore, type FailingStore } from '../../helpers/failing-store.js';

/**
 * Review finding: when activation fails, Proxy.#drain drops the inbox item without calling
 * Wakeups.taken(). A dropped 'timer' (or 'pulse') item leaves #timerQueued (#pulseQueued) true
 * for good: every later queueTimer() is a no-op, so the proxy's durable timers never fire again
 * (its pulse never runs again) for the life of the process, even after the store is back.
 */
describe('a timer wake-up dropped because the store could not load the proxy', () => {
  let store: FailingStore;
  let broker: SteadBroker;
  let device: Device;

  afterEach(async () => {
    await device?.close();
    await broker?.close();
  });

  it('does not stop the proxy’s timers for good', async () => {
    store = failingStore(await openStore('memory:'));
    broker = await startBroker({ apps: [timerApp], store });
    device = await connectDevice({ url: broker.url, session: { retryMs: 100, deadlineMs: 10_000 } });
    const session = device.session('timers/t1', 'main');
    await session.call('schedule', [300, 800]);
    // The store goes down: timer 0's commit fails, and when timer 1's wake-up comes the reload fails.
    store.failCommits('before', 1);
    store.failLoads(true);
    await store.reached('failures', 1);
    await store.reached('loadFailures', 1);
    // The store is back; the device talks to the proxy again (so it reloads).
    store.failLoads(false);
    await expect.poll(() => session.call('read'), { timeout: 4_000, interval: 100 }).toEqual({ 0: 1, 1: 1 });
  });
});
