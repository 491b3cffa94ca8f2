import { describe, expect, it } from 'vitest';
import { openStore } from '../../broker/index.js';
import { withBrokerAndDevice } from '../helpers/broker.js';
import { failingStore, type FailingStore } from '../helpers/failing-store.js';

// DESIGN §4: the device resends a call with the same seq until it is answered; the proxy runs it
// at most once and answers it from the reply cache after that, so resending is always safe.
describe('a resent call', () => {
  let store: FailingStore;
  const env = withBrokerAndDevice(
    async () => {
      store = failingStore(await openStore('memory:'));
      return { store, limits: { outOfOrderHoldMs: 500 } };
    },
    { session: { deadlineMs: 10_000, retryMs: 100 } },
  );

  // Regression: a resend kept the `answered` it was first sent with. After a reload, the read
  // before it (answered at once, never written: rule 7) was missing from the store, so the write
  // was held behind a gap that never filled and failed OUT_OF_ORDER, though it had never run.
  it('runs once after a failed commit, behind a read that was never written (window 2)', async () => {
    const shop = env.device.session('toaster/shop', 'kitchen', { window: 2 });
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
