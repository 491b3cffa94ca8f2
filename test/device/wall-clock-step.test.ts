import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../device/index.js';
import { startBroker } from '../helpers/broker.js';
import { failingStore, type FailingStore } from '../helpers/failing-store.js';
import { ManualClock } from '../helpers/manual-clock.js';

const RETRY_MS = 1000;
const DEADLINE_MS = 10_000;
const HOUR = 3_600_000;

/**
 * DESIGN §4: the device resends a call until it is answered or its deadline passes. Both are
 * durations on the device's monotonic clock: a backward NTP step of the wall clock in the middle
 * of a call (a gadget that booted with a wrong time and then synced) must neither stop the
 * resends nor put off the deadline. A real broker answers; its store fails the first commit so
 * the call needs its resend. The device's clock is injected and moves only when told.
 */
describe('a device whose wall clock steps back an hour mid-call', () => {
  let store: FailingStore;
  let broker: SteadBroker;
  let device: Device;
  let clock: ManualClock;
  let shop: DeviceSession;

  beforeEach(async () => {
    store = failingStore(await openStore('memory:'));
    broker = await startBroker({ store });
    clock = new ManualClock(Date.now());
    device = await connectDevice({ url: broker.url, clock, session: { retryMs: RETRY_MS, deadlineMs: DEADLINE_MS } });
    shop = device.session('toaster/shop', 'kitchen');
    await shop.begin();
  });

  afterEach(async () => {
    await device.close();
    await broker.close();
  });

  it('still resends the call after the retry interval, and gets its answer', async () => {
    store.failCommits('before', 1);
    const bought = shop.call('buy', 'bread');
    await store.reached('failures', 1);
    clock.stepWall(-HOUR);
    clock.advance(RETRY_MS);
    expect(await bought).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 1 });
  });

  it('still fails the call at its deadline when no answer comes', async () => {
    store.failCommits('before');
    const bought = shop.call('buy', 'bread');
    await store.reached('failures', 1);
    clock.stepWall(-HOUR);
    clock.advance(DEADLINE_MS);
    await expect(bought).rejects.toMatchObject({ code: 'STEAD_E_DEADLINE' });
  });
});
