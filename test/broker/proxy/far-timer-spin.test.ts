import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device } from '../../../device/index.js';
import timerApp from '../../helpers/apps/timer-app.js';
import { startBroker } from '../../helpers/broker.js';

const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * Review finding: Wakeups.timerAt passes `at - now` straight to setTimeout. A durable timer more
 * than ~24.8 days ahead overflows (Node clamps the delay to 1 ms), the wake-up finds nothing due,
 * re-arms for the same far time, and the proxy spins every millisecond for as long as it is live.
 */
describe('a durable timer far in the future', () => {
  let broker: SteadBroker;
  let device: Device;

  afterEach(async () => {
    vi.restoreAllMocks();
    await device?.close();
    await broker?.close();
  });

  it('does not make the proxy wake up every millisecond', async () => {
    broker = await startBroker({ apps: [timerApp] });
    device = await connectDevice({ url: broker.url });
    const session = device.session('timers/far', 'main');
    const spy = vi.spyOn(globalThis, 'setTimeout');
    await session.call('schedule', [30 * 24 * 3600 * 1000]); // 30 days from now
    await new Promise((resolve) => setTimeout(resolve, 300));
    const overflowing = spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > MAX_TIMEOUT).length;
    expect(await session.call('read')).toEqual({});
    expect(overflowing).toBeLessThanOrEqual(2);
  });
});
