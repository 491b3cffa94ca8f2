import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device } from '../../../device/index.js';
import { attackApp } from '../../helpers/apps/attack-app.js';
import { startBroker } from '../../helpers/broker.js';
import { spawnBroker, type BrokerProcess } from '../../helpers/processes.js';
import { TEST_KEY } from '../../helpers/test-key.js';

// Attack: whatever app code throws or returns as a "promise", the call gets a typed error, its
// effects are dropped, and the proxy (and the broker) keep serving everyone else. Today a
// throw the broker cannot turn into a string, or a thenable that throws, leaves the call
// unanswered (the device sees DEADLINE; each retry reruns the method and reloads the proxy);
// the same thrown asynchronously is an unhandled rejection that wedges the proxy for good
// (broker.close() never returns) and kills a `stead broker` process.

const DEADLINE_MS = 3000;

/** Closes a broker, but gives up (and says so) rather than hang the suite. */
async function closeWithin(broker: SteadBroker, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    broker.close().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return closed;
}

describe('whatever a method throws, the call gets a typed error and the proxy keeps serving', () => {
  let broker: SteadBroker | null = null;
  let device: Device | null = null;
  afterEach(async () => {
    await device?.close();
    if (broker) await closeWithin(broker, 5000);
    device = broker = null;
  });

  async function start(): Promise<Device> {
    broker = await startBroker({ apps: [attackApp], logger: pino({ level: 'silent' }), limits: { methodTimeoutMs: 500 } });
    device = await connectDevice({ url: broker.url, session: { deadlineMs: DEADLINE_MS } });
    return device;
  }

  it.each([
    ['a thenable whose then throws', 'thenThrows'],
    ['an object whose then getter throws', 'thenGetterThrows'],
    ['an object that has no string form', 'throwBareObject'],
    ['an Error whose message getter throws', 'throwMessageGetter'],
  ])('%s (synchronously): APP_ERROR, effects dropped, other sessions served', async (_what, method) => {
    const d = await start();
    const till = d.session('attack/shop', 'till');
    const phone = d.session('attack/shop', 'phone');
    await expect(till.call(method)).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
    expect(await phone.call('count')).toBe(0);
    expect(await till.call('bump')).toBe(1);
  });

  it.each([
    ['an object that has no string form', 'rejectBareObject'],
    ['an Error whose message getter throws', 'rejectMessageGetter'],
  ])('%s (asynchronously): APP_ERROR', async (_what, method) => {
    const till = (await start()).session('attack/shop', 'till');
    await expect(till.call(method)).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
  });

  it('after a method rejected with an object that has no string form, other sessions are served and the broker closes', async () => {
    const d = await start();
    const failed = d.session('attack/shop', 'till').call('rejectBareObject').catch(() => undefined);
    expect(await d.session('attack/shop', 'phone').call('bump')).toBe(1);
    await failed;
    await d.close();
    device = null;
    const b = broker as SteadBroker;
    broker = null;
    expect(await closeWithin(b, 5000)).toBe(true);
  });
});

describe('a method that rejects with anything does not stop a stead broker process', () => {
  let child: BrokerProcess | null = null;
  let device: Device | null = null;
  afterEach(async () => {
    await device?.close();
    await child?.kill();
    device = child = null;
  });

  it('after a method rejected with an object that has no string form, the broker still answers', async () => {
    child = await spawnBroker(['--store', 'memory:', '--app', 'test/helpers/apps/attack-app.ts']);
    device = await connectDevice({ url: child.url, key: TEST_KEY, session: { deadlineMs: DEADLINE_MS } });
    const other = device.session('attack/other', 'main');
    expect(await other.call('bump')).toBe(1);
    await expect(device.session('attack/shop', 'till').call('rejectBareObject')).rejects.toMatchObject({ code: 'STEAD_E_APP_ERROR' });
    expect(child.child.exitCode).toBeNull();
    expect(await other.call('bump')).toBe(2);
  });
});
