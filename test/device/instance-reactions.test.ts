import { describe, expect, it } from 'vitest';
import { connectDevice } from '../../device/index.js';
import { withBrokerAndDevice } from '../helpers/broker.js';

/**
 * How a device reacts when its instance is refused comes from the error catalogue
 * (shared/errors.ts): NOT_BEGUN (`begin`) — nobody holds the session any more, so the next call
 * begins anew; STALE_INSTANCE (`fenced`) — another instance holds it, so the device does not
 * take it back by itself (two devices would fence each other in a loop); `begin()` does.
 */
describe('instance refusals, as the catalogue says', () => {
  const env = withBrokerAndDevice();

  it('NOT_BEGUN fails the call in flight; the next call begins a new instance by itself', async () => {
    const shop = env.device.session('toaster/s1', 'kitchen');
    expect(await shop.call('buy', 'bread')).toBe(1);
    // Another client takes the session over and ends it: no instance holds it now.
    const other = await connectDevice({ url: env.broker.url });
    try {
      const taker = other.session('toaster/s1', 'kitchen');
      await taker.begin();
      await taker.end();
    } finally {
      await other.close();
    }
    await expect(shop.call('buy', 'bread')).rejects.toMatchObject({ code: 'STEAD_E_NOT_BEGUN' });
    expect(await shop.call('buy', 'bread')).toBe(2);
  });

  it('STALE_INSTANCE fences the session: later calls fail at once until the app begins again', async () => {
    const shop = env.device.session('toaster/s2', 'kitchen');
    expect(await shop.call('buy', 'bread')).toBe(1);
    const other = await connectDevice({ url: env.broker.url });
    try {
      await other.session('toaster/s2', 'kitchen').begin();
      await expect(shop.call('buy', 'bread')).rejects.toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
      await expect(shop.call('buy', 'bread')).rejects.toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
      await shop.begin();
      expect(await shop.call('buy', 'bread')).toBe(2);
    } finally {
      await other.close();
    }
  });
});
