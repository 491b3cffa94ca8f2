import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../broker/index.js';
import { decodeRecord } from '../../broker/record/record-codec.js';
import type { ProxyRecord } from '../../broker/record/record.js';
import { decodeValue } from '../../shared/wire/codec.js';
import timerApp from '../helpers/apps/timers.js';
import { withBrokerAndDevice } from '../helpers/broker.js';
import { failingStore, type FailMode, type FailingStore } from '../helpers/failing-store.js';
import { until } from '../helpers/wait.js';

const DAY = 24 * 3600 * 1000;
/** The longest delay setTimeout takes (about 24.8 days); Node runs a longer one after 1 ms. */
const MAX_TIMEOUT = 2 ** 31 - 1;

// DESIGN §4: a durable timer fires exactly once, on time, with no help from outside — however far
// ahead it is set, and whatever the store does meanwhile (rule 9: a failed commit reloads).
describe('durable timers', () => {
  let store: FailingStore;
  const env = withBrokerAndDevice(
    async () => {
      store = failingStore(await openStore('memory:'));
      return { apps: [timerApp], store };
    },
    { session: { retryMs: 100, deadlineMs: 10_000 } },
  );

  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Regression: the delay went to setTimeout unclamped; Node ran it after 1 ms, nothing was due,
  // the timer was armed again for the same far time, and the live proxy spun every millisecond.
  it('set further ahead than setTimeout reaches, arm one wake-up, not one per millisecond', async () => {
    const session = env.device.session('timers/far', 'main');
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const farArms = (): number => spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms >= MAX_TIMEOUT).length;
    await session.call('schedule', [30 * DAY]);
    await expect.poll(farArms).toBeGreaterThanOrEqual(1);
    // No event marks "nothing happened": watch a while. A spinning proxy re-arms hundreds of times.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(farArms()).toBeLessThanOrEqual(2);
    expect(await session.call('read')).toEqual({});
  });

  // Regression: the reload of rule 9 ran only when the next message arrived. The failed firing
  // commit had already disarmed the wake-up, so with no message the timer still in the store
  // never fired, and (mode 'after') the notification the landed commit queued was never pushed.
  describe.each(['before', 'after'] as FailMode[])('when the firing commit fails (%s writing)', (mode) => {
    it('still fire and notify, with no message from outside', async () => {
      const watcher = env.device.session('timers/t1', 'watcher');
      const seen: unknown[] = [];
      watcher.onNotify((payload) => void seen.push(payload));
      await watcher.call('schedule', [300], 'watcher');
      store.failCommits(mode, 1);
      await store.reached('failures', 1);
      // The device sends nothing more; the broker alone must get the effect out.
      await expect.poll(() => seen, { timeout: 3_000, interval: 50 }).toEqual([0]);
      expect(await watcher.call('read')).toEqual({ 0: 1 });
    });
  });

  // Regression: a wake-up dropped because activation failed left its "queued" flag set for good,
  // so no later wake-up was queued: the proxy's timers never fired again in that process.
  it('keep firing after a wake-up was dropped because the store could not load the proxy', async () => {
    const session = env.device.session('timers/t1', 'main');
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

  // Regression: after the firing commit failed and the reload failed too, nothing armed another
  // wake-up: the timer waited for a message from outside. A wake-up now retries after a backoff.
  it('fire once the store is back after a failed commit and a failed reload, with no message from outside', async () => {
    const session = env.device.session('timers/t2', 'main');
    await session.call('schedule', [300]);
    store.failCommits('before');
    store.failLoads(true);
    await store.reached('failures', 1);
    await store.reached('loadFailures', 1);
    store.failCommits(null);
    store.failLoads(false);
    // The device sends nothing more; watch the store itself.
    const stored = async (): Promise<ProxyRecord> => decodeRecord((await store.load('timers/t2'))?.record ?? new Uint8Array());
    await until(async () => (await stored()).timers.length === 0, 10_000, 'the timer to fire');
    expect(decodeValue((await stored()).stateBytes)).toEqual({ fired: { 0: 1 } });
    expect(await session.call('read')).toEqual({ 0: 1 });
  });
});
