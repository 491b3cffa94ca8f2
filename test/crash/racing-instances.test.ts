import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSteadError } from '../../shared/errors.js';
import { connectDevice, type Device, type DeviceSession } from '../../device/index.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { TEST_KEY } from '../helpers/test-key.js';

const SHOP = 'toaster/shop';

/** Buys up to `count` items one at a time until fenced; returns how many were bought. */
async function buyUntilFenced(shop: DeviceSession, item: string, count: number): Promise<number> {
  for (let i = 0; i < count; i++) {
    try {
      expect(await shop.call('buy', item, i)).toBe(i + 1);
    } catch (error) {
      if (isSteadError(error, 'STALE_INSTANCE')) return i;
      throw error;
    }
  }
  return count;
}

/**
 * DESIGN §12: two instances of one logical session racing. Rule 1: the later begin fences the
 * earlier instance; rule 2: its requests fail with STALE_INSTANCE and have no effect.
 */
describe('two instances of one session', () => {
  let broker: DurableBroker;
  let first: Device;
  let second: Device;

  beforeEach(async () => {
    broker = await startDurableBroker(['test/helpers/apps/toaster.ts']);
    const options = { url: broker.url, key: TEST_KEY, reconnect: { initialMs: 20, maxMs: 200 }, session: { deadlineMs: 20_000 } };
    [first, second] = await Promise.all([connectDevice(options), connectDevice(options)]);
  });

  afterEach(async () => {
    await Promise.all([first.close(), second.close()]);
    await broker.close();
  });

  it('the second begin fences the first, durably: after a kill -9 its calls still fail and have no effect', async () => {
    const a = first.session(SHOP, 'till');
    const b = second.session(SHOP, 'till');
    expect(await a.begin()).toEqual({ memento: null, crashed: false });
    expect(await buyUntilFenced(a, 'apple', 5)).toBe(5);
    // The same logical session: b sees a's memento, and that a never ended.
    expect(await b.begin()).toEqual({ memento: 4, crashed: true });
    await broker.crash();
    await expect(a.call('buy', 'apple', 5)).rejects.toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
    // Fenced: no automatic begin to fight the winner; later calls fail at once.
    await expect(a.call('buy', 'apple', 6)).rejects.toMatchObject({ code: 'STEAD_E_STALE_INSTANCE' });
    expect(await buyUntilFenced(b, 'banana', 10)).toBe(10);
    expect(await b.call('counters')).toEqual({ apple: 5, banana: 10 });
    expect(await b.begin()).toEqual({ memento: 9, crashed: true });
  });

  it('two instances begin at once and race: one wins and makes all the progress, the loser stops with no effect', async () => {
    const rounds = 5;
    const count = 40;
    for (let round = 0; round < rounds; round++) {
      const a = first.session(SHOP, `till-${round}`);
      const b = second.session(SHOP, `till-${round}`);
      const [apples, bananas] = await Promise.all(
        [a, b].map(async (shop, s) => {
          await shop.begin();
          return buyUntilFenced(shop, `${s === 0 ? 'apple' : 'banana'}-${round}`, count);
        }),
      );
      // Exactly one of them got through; what the loser bought before the fence stays bought.
      expect([apples, bananas].filter((n) => n === count)).toHaveLength(1);
      const counters = (await (apples === count ? a : b).call('counters')) as Record<string, number>;
      expect(counters[`apple-${round}`] ?? 0).toBe(apples);
      expect(counters[`banana-${round}`] ?? 0).toBe(bananas);
      await Promise.all([a.close(), b.close()]);
    }
  });
});
