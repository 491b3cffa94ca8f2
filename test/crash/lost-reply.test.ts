import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectDevice, type Device } from '../../device/index.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { hasPacket, hasPublish, PacketType } from '../helpers/mqtt-packets.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { TEST_KEY } from '../helpers/test-key.js';

const SHOP = 'toaster/shop';

/**
 * Cuts the connection the next `times` times a PUBLISH on `topic` passes in the given direction,
 * refusing reconnections after the last cut when `thenRefuse`; resolves after the last cut.
 */
function cutAt(tcp: TcpProxy, direction: 'up' | 'down', topic: string, times = 1, thenRefuse = false): Promise<void> {
  return new Promise((resolve) => {
    let left = times;
    const filter = (chunk: Buffer): boolean => {
      if (!hasPublish(chunk, (t) => t === topic)) return false;
      if (--left > 0) return true;
      if (thenRefuse) tcp.refuse(true);
      if (direction === 'up') tcp.interceptUpstream(null);
      else tcp.interceptDownstream(null);
      resolve();
      return true;
    };
    if (direction === 'up') tcp.interceptUpstream(filter);
    else tcp.interceptDownstream(filter);
  });
}

/**
 * DESIGN §12: lost reply. The request reaches the broker and commits; the reply is lost on its
 * way down. The device retries with the same seq and gets the cached reply: the method ran once.
 */
describe('lost replies', () => {
  let broker: DurableBroker;
  let device: Device;

  beforeEach(async () => {
    broker = await startDurableBroker(['test/helpers/apps/toaster.ts']);
    device = await connectDevice({ url: broker.url, key: TEST_KEY, reconnect: { initialMs: 20, maxMs: 200 }, session: { deadlineMs: 20_000 } });
  });

  afterEach(async () => {
    await device.close();
    await broker.close();
  });

  it('a reply lost three times in a row: every retry gets the cached reply, the buy ran once', async () => {
    const shop = device.session(SHOP, 'kitchen');
    await shop.begin();
    // The first reply and the replies to the first two retries are all cut before the device.
    const cut = cutAt(broker.tcp, 'down', device.topics.outbound('toaster', 'shop', 'kitchen'), 3);
    const bought = shop.call('buy', 'bread', 0);
    await cut;
    expect(await bought).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 1 });
  });

  it('a reply lost, then the broker killed: the retry gets the reply from the persisted reply cache', async () => {
    const shop = device.session(SHOP, 'kitchen');
    await shop.begin();
    expect(await shop.call('buy', 'bread', 0)).toBe(1);
    // The reply leaves the broker only after the commit: once it is seen, the buy is durable.
    const cut = cutAt(broker.tcp, 'down', device.topics.outbound('toaster', 'shop', 'kitchen'), 1, true);
    const bought = shop.call('buy', 'bread', 1);
    await cut;
    await broker.kill();
    await broker.start();
    broker.tcp.refuse(false);
    expect(await bought).toBe(2);
    expect(await shop.call('counters')).toEqual({ bread: 2 });
    // The session goes on with the next seq, and the memento is the last index.
    expect(await shop.call('buy', 'bread', 2)).toBe(3);
    expect(await shop.begin()).toEqual({ memento: 2, crashed: true });
  });

  it('a request lost on its way in, then the broker killed: the retry runs it, once', async () => {
    const shop = device.session(SHOP, 'kitchen');
    await shop.begin();
    const cut = cutAt(broker.tcp, 'up', device.topics.inbound('toaster', 'shop', 'kitchen'), 1, true);
    const bought = shop.call('buy', 'bread', 0);
    await cut;
    await broker.kill();
    await broker.start();
    broker.tcp.refuse(false);
    expect(await bought).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 1 });
  });

  it('a connection lost before the SUBACK (broker gone mid-resubscribe): the call is not failed, it goes on the next one', async () => {
    const shop = device.session(SHOP, 'kitchen');
    await shop.begin();
    broker.tcp.refuse(true);
    broker.tcp.cut();
    await new Promise<void>((resolve) => device.once('disconnect', resolve));
    const bought = shop.call('buy', 'bread', 0);
    // The next connection dies right at the device's SUBSCRIBE; the one after is left alone.
    const cut = new Promise<void>((resolve) => {
      broker.tcp.interceptUpstream((chunk) => {
        if (!hasPacket(chunk, PacketType.subscribe)) return false;
        broker.tcp.interceptUpstream(null);
        resolve();
        return true;
      });
    });
    broker.tcp.refuse(false);
    await cut;
    expect(await bought).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 1 });
  });
});
