import { afterEach, describe, expect } from 'vitest';
import lamp from '../../examples/lamp/app.js';
import { connectDevice } from '../../device/index.js';
import { BundleExecutor, SimulatedGpio, type BundleReport } from '../../hardware/index.js';
import { BUNDLE_REPORT_METHOD, isBundleNotification } from '../../shared/bundle.js';
import { it, test } from '../helpers/fixtures.js';

describe('examples/lamp: a proxy sends a timed bundle, the gadget runs it and reports it once', () => {
  test.override('brokerOptions', { apps: [lamp] });
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('the lamp flashes on then off, and a report sent twice is counted once', async ({ broker, device, tempDir: dataDir }) => {
    const gpio = new SimulatedGpio();
    await gpio.configure('lamp', { line: 18, direction: 'out', safe: false });
    const gadget = device.session('lamp/kitchen', 'gadget');
    const reports: BundleReport[] = [];
    // The agent's part (issue 9): bundles in from notifications, reports out as calls, then acknowledged.
    const executor = await BundleExecutor.open({
      dataDir,
      run: (method) => gpio.write('lamp', method === 'on'),
      onReport: (report) => {
        reports.push(report);
        void gadget.call(BUNDLE_REPORT_METHOD, report).then(() => executor.acknowledge(report.id));
      },
    });
    cleanups.push(async () => {
      await executor.close();
      await gpio.close();
    });
    gadget.onNotify((payload) => {
      if (isBundleNotification(payload)) void executor.receive(payload.bundle);
    });
    await gadget.call('status');

    const phone = device.session('lamp/kitchen', 'phone');
    expect(await phone.call('flash', 100)).toBe('flash-1');
    await expect.poll(async () => ((await phone.call('status')) as { completed: number }).completed, { timeout: 5000 }).toBe(1);
    expect(gpio.history.filter((entry) => entry.kind === 'write').map((entry) => entry.value)).toEqual([true, false]);
    await expect.poll(() => executor.unacknowledged().length, { timeout: 5000 }).toBe(0);

    // The agent restarted before it learned its report committed: it sends the same report again.
    const restarted = await connectDevice({ url: broker.url });
    cleanups.push(() => restarted.close());
    const again = restarted.session('lamp/kitchen', 'gadget');
    expect(await again.call(BUNDLE_REPORT_METHOD, reports[0])).toEqual({ id: 'flash-1', first: false });
    expect(await phone.call('status')).toEqual({ completed: 1, reports: ['completed'] });
  });
});
