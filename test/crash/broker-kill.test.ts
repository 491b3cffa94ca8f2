import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type Device } from '../../device/index.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { TEST_KEY } from '../helpers/test-key.js';

const SHOP = 'toaster/shop';

interface Spree {
  devices: number;
  buys: number;
  kills: number;
  /** Calls in flight per session (DESIGN §4 window). */
  window: number;
  /** Buys answered between kills: at least this many, plus a random share of as many again. */
  between: number;
}

/** A random delay in [0, max) ms: the kill moments are random on purpose. */
const randomDelay = (max: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * max));

/**
 * DESIGN §12: broker `kill -9` during a burst of commits. One shop; each device has its own
 * session and item and buys one item per index (the index is the memento); the broker is killed
 * at random moments and restarted on the same SQLite file. No duplicate, no loss.
 */
describe('broker kill -9 during a burst of commits', () => {
  let broker: DurableBroker | undefined;
  const devices: Device[] = [];

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await broker?.close();
    broker = undefined;
  });

  async function spree({ devices: count, buys, kills, window, between }: Spree): Promise<void> {
    broker = await startDurableBroker(['test/helpers/apps/toaster.ts']);
    const url = broker.url;
    const session = { deadlineMs: 60_000, window };
    const connected = await Promise.all(
      Array.from({ length: count }, () => connectDevice({ url, key: TEST_KEY, reconnect: { initialMs: 20, maxMs: 500 }, session })),
    );
    devices.push(...connected);
    let bought = 0;
    let progress: (() => void) | null = null;
    /** Resolves once `n` more buys have been answered. */
    const boughtMore = (n: number): Promise<void> => {
      const target = bought + n;
      return new Promise((resolve) => {
        progress = () => {
          if (bought < target) return;
          progress = null;
          resolve();
        };
      });
    };
    // Each reply is the item's counter after this buy: a duplicate run or a lost commit shows up
    // as a reply out of sequence, not only in the final count. With a window, `window` buys of a
    // session are in flight at once (and run in seq order).
    const shops = connected.map((device, d) => device.session(SHOP, `dev-${d}`));
    const sprees = shops.map(async (shop, d) => {
      const replies: unknown[] = [];
      for (let i = 0; i < buys; i += window) {
        const batch = Array.from({ length: Math.min(window, buys - i) }, (_, j) => shop.call('buy', `item-${d}`, i + j));
        replies.push(...(await Promise.all(batch)));
        bought += batch.length;
        progress?.();
      }
      return replies;
    });
    const spreeDone = Promise.all(sprees);
    const tooEarly = spreeDone.then(() => {
      throw new Error('the spree ended before every kill');
    });
    tooEarly.catch(() => undefined);

    // Each kill waits for the restarted broker to make progress, then strikes at a random moment.
    for (let k = 0; k < kills; k++) {
      await Promise.race([boughtMore(between + Math.floor(Math.random() * between)), tooEarly]);
      await randomDelay(50);
      await broker.crash();
    }
    const replies = await spreeDone;

    const expected = Array.from({ length: buys }, (_, i) => i + 1);
    replies.forEach((r, d) => expect(r, `replies of dev-${d}`).toEqual(expected));
    const auditor = await connectDevice({ url, key: TEST_KEY });
    devices.push(auditor);
    const counters = await auditor.session(SHOP, 'auditor').call('counters');
    expect(counters).toEqual(Object.fromEntries(shops.map((_, d) => [`item-${d}`, buys])));
    // The memento of each session is its last index: a new instance reads it after the crashes.
    const begun = await Promise.all(shops.map((shop) => shop.begin()));
    expect(begun).toEqual(shops.map(() => ({ memento: buys - 1, crashed: true })));
    expect(broker.starts).toBe(kills + 1);
  }

  it('50 devices × 200 buys from one shop survive 4 kills: every counter is exactly 200', async () => {
    await spree({ devices: 50, buys: 200, kills: 4, window: 1, between: 500 });
  }, 120_000);

  it('with 4 calls in flight per session (held and replayed in seq order across restarts)', async () => {
    // Enough buys that the spree (fast with pipelined commits) outlasts every kill.
    await spree({ devices: 10, buys: 400, kills: 3, window: 4, between: 200 });
  }, 60_000);
});
