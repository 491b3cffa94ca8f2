import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device } from '../../device/index.js';
import { startBroker } from '../helpers/broker.js';
import { failingStore, type FailingStore } from '../helpers/failing-store.js';

/**
 * Review finding: a resent call keeps the `answered` it was first encoded with. After a reload,
 * a read-only call the device already holds the reply for is missing from the store (rule 7 did
 * not write it), so the resent write after it is held as a gap and fails with OUT_OF_ORDER,
 * although it never ran and nothing is wrong with the instance.
 */
describe('window > 1, read then write, reload', () => {
  let store: FailingStore;
  let broker: SteadBroker;
  let device: Device;

  beforeEach(async () => {
    store = failingStore(await openStore('memory:'));
    broker = await startBroker({ store, limits: { outOfOrderHoldMs: 500 } });
    device = await connectDevice({ url: broker.url, session: { deadlineMs: 10_000, retryMs: 100 } });
  });

  afterEach(async () => {
    await device.close();
    await broker.close();
  });

  it('a write resent after a failed commit still runs once (not OUT_OF_ORDER)', async () => {
    const shop = device.session('toaster/shop', 'kitchen', { window: 2 });
    await shop.begin();
    expect(await shop.call('buy', 'bread', 0)).toBe(1); // seq 1 committed
    store.failCommits('before', 1);
    // seq 2 (read, answered at once, not written) and seq 3 (write, its commit fails) in flight together.
    const read = shop.call('counters');
    const write = shop.call('buy', 'bread', 1);
    expect(await read).toEqual({ bread: 1 });
    await expect(write).resolves.toBe(2);
    expect(await shop.call('counters')).toEqual({ bread: 2 });
  });
});
