import { describe, expect } from 'vitest';
import { connectDevice } from '../../device/index.js';
import { withBrokerAndDevice } from '../helpers/broker.js';
import { it } from '../helpers/fixtures.js';

describe('calls and replies through a proxy', () => {
  const env = withBrokerAndDevice();

  it('runs methods and returns their replies', async () => {
    const shop = env.device.session('toaster/shop-1', 'kitchen');
    expect(await shop.begin()).toEqual({ memento: null, crashed: false });
    expect(await shop.call('buy', 'bread')).toBe(1);
    expect(await shop.call('buy', 'bread')).toBe(2);
    expect(await shop.call('buy', 'bagel')).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 2, bagel: 1 });
    await shop.end();
  });

  it('begins by itself on the first call', async () => {
    const shop = env.device.session('toaster/shop-auto', 'kitchen');
    expect(await shop.call('buy', 'toast')).toBe(1);
    expect(shop.nonce).toBeInstanceOf(Uint8Array);
  });

  it('shares one proxy state between sessions and keeps proxies apart', async () => {
    const kitchen = env.device.session('toaster/shop-2', 'kitchen');
    const phone = env.device.session('toaster/shop-2', 'phone');
    const other = env.device.session('toaster/shop-3', 'kitchen');
    await Promise.all([kitchen.call('buy', 'bread'), phone.call('buy', 'bread'), other.call('buy', 'bread')]);
    expect(await phone.call('counters')).toEqual({ bread: 2 });
    expect(await other.call('counters')).toEqual({ bread: 1 });
  });

  it('moves a session to another device by using its name there', async () => {
    const first = env.device.session('toaster/shop-4', 'kitchen');
    await first.begin();
    await first.call('buy', 'bread', 0);
    const second = await connectDevice({ url: env.broker.url });
    try {
      const moved = second.session('toaster/shop-4', 'kitchen');
      expect(await moved.begin()).toEqual({ memento: 0, crashed: true });
      await expect(first.call('buy', 'bread', 1)).rejects.toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
      expect(await moved.call('counters')).toEqual({ bread: 1 });
    } finally {
      await second.close();
    }
  });

  it('rejects with the app error code and keeps the session usable', async () => {
    const shop = env.device.session('toaster/shop-5', 'kitchen');
    await expect(shop.call('buy', 42)).rejects.toMatchObject({ code: 'STEAD_E_BAD_ARGUMENTS' });
    await expect(shop.call('sell', 'bread')).rejects.toMatchObject({ code: 'STEAD_E_UNKNOWN_METHOD' });
    expect(await shop.call('buy', 'bread')).toBe(1);
  });

  it('fails a call whose arguments do not fit in one frame, without consuming a seq', async () => {
    const shop = env.device.session('toaster/shop-6', 'kitchen');
    await expect(shop.call('buy', 'x'.repeat(70_000))).rejects.toMatchObject({ code: 'STEAD_E_FRAME_TOO_LARGE' });
    expect(await shop.call('buy', 'bread')).toBe(1);
  });

  it('fails calls after close with CLOSED', async () => {
    const shop = env.device.session('toaster/shop-7', 'kitchen');
    await shop.close();
    await expect(shop.call('counters')).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
  });
});

describe('arguments the wire cannot carry', () => {
  it('are refused on the device with BAD_ARGUMENTS before anything is sent', async ({ device }) => {
    const shop = device.session('toaster/shapes', 'kitchen');
    await expect(shop.call('buy', new Map([['a', 1]]))).rejects.toMatchObject({ code: 'STEAD_E_BAD_ARGUMENTS' });
    await expect(shop.call('buy', new Date())).rejects.toMatchObject({ code: 'STEAD_E_BAD_ARGUMENTS' });
    expect(await shop.call('buy', 'bread')).toBe(1);
  });
});
