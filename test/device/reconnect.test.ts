import { afterEach, describe, expect } from 'vitest';
import { defineProxy, type SteadBroker } from '../../broker/index.js';
import toaster from '../helpers/apps/toaster.js';
import { connectDevice, type Device } from '../../device/index.js';
import { it, test } from '../helpers/fixtures.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const isPublish = (chunk: Buffer): boolean => chunk[0] !== undefined && chunk[0] >> 4 === 3;

const ticker = defineProxy({
  name: 'ticker',
  init: () => ({ n: 0 }),
  methods: {
    tick: {
      args: ['string'],
      run(ctx, session: string) {
        ctx.state.n++;
        ctx.notify(ctx.state.n, session);
        return ctx.state.n;
      },
    },
  },
});

describe('reconnects', () => {
  test.override('brokerOptions', { apps: [toaster, ticker] });
  let broker: SteadBroker;
  let proxy: TcpProxy;
  let device: Device;

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    proxy = await startTcpProxy(broker.port);
    device = await connectDevice({ url: proxy.url, reconnect: { initialMs: 20, maxMs: 200 } });
  });

  afterEach(async () => {
    await device.close();
    await proxy.close();
  });

  it('a call whose reply was lost is retried with the same seq and answered from the reply cache', async () => {
    const shop = device.session('toaster/lost-reply', 'kitchen');
    await shop.begin();
    // Cut the connection at the reply: the request has reached the proxy and committed.
    proxy.interceptDownstream((chunk) => isPublish(chunk));
    const bought = shop.call('buy', 'bread', 0);
    await new Promise<void>((resolve) => device.once('disconnect', resolve));
    proxy.interceptDownstream(null);
    expect(await bought).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 1 });
  });

  it('calls made while offline are sent after the reconnect', async () => {
    const shop = device.session('toaster/offline', 'kitchen');
    await shop.begin();
    proxy.refuse(true);
    proxy.cut();
    await new Promise<void>((resolve) => device.once('disconnect', resolve));
    const pending = [shop.call('buy', 'bread'), shop.call('buy', 'bread'), shop.call('buy', 'bagel')];
    proxy.refuse(false);
    expect(await Promise.all(pending)).toEqual([1, 2, 1]);
  });

  it('notifications not acknowledged before a cut are sent again, and handled once each', async () => {
    const session = device.session('ticker/t1', 'watch');
    const seen: unknown[] = [];
    session.onNotify((payload) => {
      seen.push(payload);
    });
    expect(await session.call('tick', 'watch')).toBe(1);
    await expect.poll(() => seen).toEqual([1]);
    // Lose the next notification on its way down; its ack never happens.
    let lost = 0;
    proxy.interceptDownstream((chunk) => isPublish(chunk) && ++lost === 2);
    const tick = session.call('tick', 'watch');
    expect(await tick).toBe(2);
    proxy.interceptDownstream(null);
    expect(await session.call('tick', 'watch')).toBe(3);
    await expect.poll(() => seen).toEqual([1, 2, 3]);
  });

  it('keeps retrying with backoff while the broker is unreachable, and fails a call at its deadline', async () => {
    const shop = device.session('toaster/deadline', 'kitchen', { deadlineMs: 300 });
    await shop.begin();
    proxy.refuse(true);
    proxy.cut();
    await expect(shop.call('buy', 'bread')).rejects.toMatchObject({ code: 'STEAD_E_DEADLINE' });
    proxy.refuse(false);
    // After a deadline the instance cannot go on; the next call begins a new one by itself. Its
    // own deadline is the suite's: reconnecting after the refusals takes a backoff step or two.
    expect(await shop.invoke('buy', ['bread'], { deadlineMs: 30_000 })).toBeGreaterThanOrEqual(1);
  });

  it('an end that gets no answer in time ends the instance all the same; the next call begins anew', async () => {
    const shop = device.session('toaster/end-deadline', 'kitchen', { deadlineMs: 300 });
    await shop.begin();
    expect(await shop.call('buy', 'bread')).toBe(1);
    proxy.refuse(true);
    proxy.cut();
    await expect(shop.end()).rejects.toMatchObject({ code: 'STEAD_E_DEADLINE' });
    proxy.refuse(false);
    expect(await shop.invoke('buy', ['bread'], { deadlineMs: 30_000 })).toBe(2);
  });
});
