import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { openStore, type SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../device/index.js';
import { Kind } from '../../shared/wire/frames.js';
import { startBroker } from '../helpers/broker.js';
import { failingStore, type FailMode, type FailingStore } from '../helpers/failing-store.js';
import { it, test } from '../helpers/fixtures.js';
import { connectRaw, type RawClient } from '../helpers/raw-session.js';

const DEVICE_OPTIONS = { reconnect: { initialMs: 20, maxMs: 200 }, session: { deadlineMs: 20_000, retryMs: 100 } };

/**
 * DESIGN §12 and §4 rule 9: a store failure during commit releases nothing, the proxy reloads
 * from the store, and the device's retry (same seq) gets the committed truth. The broker runs
 * in-process on a real SQLite file behind a store wrapper that fails on command.
 */
describe('store failures', () => {
  let dir: string;
  let store: FailingStore;
  let broker: SteadBroker;
  let spy: RawClient;
  const devices: Device[] = [];

  test.beforeEach(async ({ tempDir }) => {
    dir = tempDir;
    store = failingStore(await openStore(`sqlite:${join(dir, 'stead.db')}`));
    broker = await startBroker({ store });
    spy = await connectRaw(broker.url);
  });

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await spy.close();
    await broker.close();
  });

  async function kitchen(): Promise<{ shop: DeviceSession; out: string }> {
    const device = await connectDevice({ url: broker.url, ...DEVICE_OPTIONS });
    devices.push(device);
    const shop = device.session('toaster/shop', 'kitchen');
    await shop.begin();
    expect(await shop.call('buy', 'bread', 0)).toBe(1);
    const out = device.topics.outbound('toaster', 'shop', 'kitchen');
    await spy.subscribe(out);
    return { shop, out };
  }

  it('while commits fail nothing is released; after healing the retry runs once and gets the truth', async () => {
    const { shop, out } = await kitchen();
    const loads = store.stats.loads;
    store.failCommits('before');
    let answered = false;
    const bought = shop.call('buy', 'bread', 1).finally(() => (answered = true));
    // The first attempt and two retries (each after a reload) failed to commit.
    await store.reached('failures', 3);
    expect(answered).toBe(false);
    expect(spy.frames(out)).toEqual([]);
    expect(store.stats.loads).toBeGreaterThanOrEqual(loads + 2);
    store.failCommits(null);
    expect(await bought).toBe(2);
    expect(await shop.call('counters')).toEqual({ bread: 2 });
    expect(spy.frames(out).filter((f) => f.kind === Kind.reply && f.seq === 2)).toHaveLength(1);
  });

  it('a commit that landed but whose confirmation was lost: the retry gets the cached reply, no second run', async () => {
    const { shop, out } = await kitchen();
    store.failCommits('after', 1);
    expect(await shop.call('buy', 'bread', 1)).toBe(2);
    expect(store.stats.failures).toBe(1);
    expect(await shop.call('counters')).toEqual({ bread: 2 });
    // The only reply to seq 2 came from the reply cache of the reloaded record.
    expect(spy.frames(out).filter((f) => f.kind === Kind.reply && f.seq === 2)).toHaveLength(1);
    expect(await shop.begin()).toEqual({ memento: 1, crashed: true });
  });

  it('a store that is down (loads fail too): requests are dropped until it is back, then run once', async () => {
    const { shop, out } = await kitchen();
    store.failCommits('before');
    let answered = false;
    const bought = shop.call('buy', 'bread', 1).finally(() => (answered = true));
    await store.reached('failures', 1);
    store.failLoads(true);
    await store.reached('loadFailures', 2);
    expect(answered).toBe(false);
    expect(spy.frames(out)).toEqual([]);
    store.failLoads(false);
    store.failCommits(null);
    expect(await bought).toBe(2);
    expect(await shop.call('counters')).toEqual({ bread: 2 });
  });

  it('failures in the middle of a pipelined burst lose no committed effect and duplicate none', async () => {
    const count = 50;
    const shops = await Promise.all(
      Array.from({ length: 8 }, async (_, d) => {
        const device = await connectDevice({ url: broker.url, ...DEVICE_OPTIONS });
        devices.push(device);
        return device.session('toaster/burst', `dev-${d}`);
      }),
    );
    // Each reply is the item's counter after this buy: a lost or doubled effect breaks the run.
    const burst = Promise.all(
      shops.map(async (shop, d) => {
        const replies: unknown[] = [];
        for (let i = 0; i < count; i++) replies.push(await shop.call('buy', `item-${d}`, i));
        return replies;
      }),
    );
    const tooEarly = burst.then(() => {
      throw new Error('the burst ended before every failure');
    });
    tooEarly.catch(() => undefined);
    const modes: FailMode[] = ['before', 'after', 'before', 'after'];
    for (const [k, mode] of modes.entries()) {
      // A random moment: after some more writes, the next store transaction fails.
      await Promise.race([store.reached('writes', store.stats.writes + 20 + Math.floor(Math.random() * 40)), tooEarly]);
      store.failCommits(mode, 1);
      await Promise.race([store.reached('failures', k + 1), tooEarly]);
    }
    const replies = await burst;
    const expected = Array.from({ length: count }, (_, i) => i + 1);
    replies.forEach((r, d) => expect(r, `replies of dev-${d}`).toEqual(expected));
    expect(await shops[0]?.call('counters')).toEqual(Object.fromEntries(shops.map((_, d) => [`item-${d}`, count])));
    // The burst was pipelined: some store transactions carried several writes of the proxy.
    expect(broker.committer.stats.writes).toBeGreaterThan(broker.committer.stats.batches);
  });
});
