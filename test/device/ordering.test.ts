import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device } from '../../device/index.js';
import { startBroker } from '../helpers/broker.js';

const DEVICES = 100;
const CALLS = 20;

describe('ordering under 100 concurrent devices', () => {
  let broker: SteadBroker;
  let devices: Device[];

  beforeAll(async () => {
    broker = await startBroker();
    devices = await Promise.all(Array.from({ length: DEVICES }, () => connectDevice({ url: broker.url })));
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await broker.close();
  });

  it('one shared proxy runs every call once, one at a time, in each session’s order', async () => {
    const sessions = devices.map((device, i) => device.session('toaster/busy', `d${i}`, { window: 4 }));
    // Each device fires all its calls at once (window 4): replies must still come in call order.
    const replies = await Promise.all(
      sessions.map((session, i) => Promise.all(Array.from({ length: CALLS }, () => session.call('buy', `item-${i}`)))),
    );
    const inOrder = Array.from({ length: CALLS }, (_, k) => k + 1);
    expect(replies).toEqual(Array.from({ length: DEVICES }, () => inOrder));
    const counters = await sessions[0]?.call('counters');
    expect(counters).toEqual(Object.fromEntries(Array.from({ length: DEVICES }, (_, i) => [`item-${i}`, CALLS])));
  });

  it('separate proxies run concurrently and stay separate', async () => {
    const sessions = devices.map((device, i) => device.session(`toaster/own-${i}`, 'main'));
    const counts = await Promise.all(
      sessions.map(async (session) => {
        let last = 0;
        for (let k = 0; k < CALLS; k++) last = (await session.call('buy', 'bread')) as number;
        return last;
      }),
    );
    expect(counts).toEqual(Array.from({ length: DEVICES }, () => CALLS));
  });
});
