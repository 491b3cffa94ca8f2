import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device } from '../../../device/index.js';
import timerApp from '../../helpers/apps/timer-app.js';
import { startBroker } from '../../helpers/broker.js';
import { failingStore, type FailMode, type FailingStore } from '../../helpers/failing-store.js';

/**
 * Review finding: rule 9's reload is lazy — `#recover` runs only when the next inbox item
 * arrives. A timer firing's commit disarms the wake-up (its timer is gone from the in-memory
 * record) before the store answers; if that commit fails, nothing is enqueued any more, so the
 * timer that is still in the store never fires again and (mode 'after') the notification the
 * landed commit queued is never pushed — until some unrelated message reaches the proxy.
 */
describe('a failed commit on a proxy that then gets no messages', () => {
  let store: FailingStore;
  let broker: SteadBroker;
  let device: Device;

  afterEach(async () => {
    await device?.close();
    await broker?.close();
  });

  for (const mode of ['before', 'after'] as FailMode[]) {
    it(`a timer whose firing commit fails (${mode}) still fires and notifies, without outside help`, async () => {
      store = failingStore(await openStore('memory:'));
      broker = await startBroker({ apps: [timerApp], store });
      device = await connectDevice({ url: broker.url, session: { retryMs: 100 } });
      const watcher = device.session('timers/t1', 'watcher');
      const seen: unknown[] = [];
      watcher.onNotify((payload) => void seen.push(payload));
      await watcher.call('schedule', [300], 'watcher');
      const failuresBefore = store.stats.failures;
      store.failCommits(mode, 1);
      await store.reached('failures', failuresBefore + 1);
      // The device sends nothing more; the broker alone must get the effect out.
      await expect.poll(() => seen, { timeout: 3_000, interval: 50 }).toEqual([0]);
    });
  }
});
