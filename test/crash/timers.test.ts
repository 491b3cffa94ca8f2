import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../broker/store/sqlite/sqlite-store.js';
import { decodeRecord } from '../../broker/record/record-codec.js';
import { connectDevice, type Device } from '../../device/index.js';
import { decodeValue } from '../../shared/wire/codec.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { until } from '../helpers/wait.js';
import { TEST_KEY } from '../helpers/test-key.js';

const APP = 'test/helpers/apps/timers.ts';

/**
 * DESIGN §4: durable timers fire exactly once — firing removes the timer in the same commit as
 * the method's effect — across a broker kill -9, and a timer that came due while the broker was
 * down fires after the restart (the broker wakes proxies with due timers at start-up).
 */
describe('durable timers across kill -9', () => {
  let broker: DurableBroker;
  let device: Device;

  beforeEach(async () => {
    broker = await startDurableBroker([APP]);
    device = await connectDevice({ url: broker.url, key: TEST_KEY, reconnect: { initialMs: 20, maxMs: 200 }, session: { deadlineMs: 20_000 } });
  });

  afterEach(async () => {
    await device.close();
    await broker.close();
  });

  it('timers firing when the broker is killed each fire exactly once', async () => {
    const count = 100;
    const session = device.session('timers/t1', 'watcher');
    const seen: number[] = [];
    // Kill once a random number of them have fired (and been delivered): mid-way, by design.
    const killAfter = 20 + Math.floor(Math.random() * 40);
    let midway: () => void = () => undefined;
    const reachedMidway = new Promise<void>((resolve) => (midway = resolve));
    session.onNotify((payload) => {
      seen.push(payload as number);
      if (seen.length >= killAfter) midway();
    });
    await session.call('schedule', Array.from({ length: count }, (_, i) => 100 + i * 10), 'watcher');
    await reachedMidway;
    await broker.crash();

    const all = Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), 1]));
    await expect.poll(() => session.call('read'), { timeout: 15_000, interval: 50 }).toEqual(all);
    // No timer is left in the store to fire again (read beside the broker, which owns the file).
    const store = await createSqliteStore(broker.file, { owner: false, worker: false });
    try {
      expect(await store.listWaking(Number.MAX_SAFE_INTEGER)).toEqual([]);
    } finally {
      await store.close();
    }
    expect(await session.call('read')).toEqual(all);
    // No firing was notified twice either. (Not every notification is checked for arrival: a
    // reconnect race loses some today, see notification-gap.test.ts.)
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('a timer that came due while the broker was down fires after the restart, once, with no device asking', async () => {
    const session = device.session('timers/late', 'setter');
    const now = (await session.call('schedule', [200])) as number;
    await broker.kill();
    // The due time passes while nothing runs (waiting for the clock, not for an event).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, now + 200 + 50 - Date.now())));
    await broker.start();

    // Watch the store itself: touching the proxy from a device would wake it the other way.
    const store = await createSqliteStore(broker.file, { owner: false, worker: false });
    try {
      await until(async () => (await store.listWaking(Number.MAX_SAFE_INTEGER)).length === 0, 10_000, 'the late timer to fire');
      const stored = await store.load('timers/late');
      const record = decodeRecord(stored?.record ?? new Uint8Array());
      expect(record.timers).toEqual([]);
      expect(decodeValue(record.stateBytes)).toEqual({ fired: { 0: 1 } });
    } finally {
      await store.close();
    }
    expect(await session.call('read')).toEqual({ 0: 1 });
  });
});
