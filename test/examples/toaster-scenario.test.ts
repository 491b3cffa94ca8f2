import { describe, expect } from 'vitest';
import { simulateDevices, type SimulateOptions } from '../../device/sim/index.js';
import type { SteadBroker } from '../../broker/index.js';
import toasterApp from '../../examples/toaster/app.js';
import toaster from '../../examples/toaster/scenario.js';
import doubleBuy from '../helpers/scenarios/double-buy.js';
import { it, test } from '../helpers/fixtures.js';

/** Fast retries and reconnects, so faults cost milliseconds, not the defaults' seconds. */
const QUICK = { reconnect: { initialMs: 10, maxMs: 100 }, session: { retryMs: 50, deadlineMs: 5000 } };

describe('examples/toaster/scenario.ts under simulateDevices', () => {
  test.override('brokerOptions', { apps: [toasterApp] });
  let broker: SteadBroker;
  test.beforeEach(({ broker: started }) => {
    broker = started;
  });

  const run = <M extends object>(options: Omit<SimulateOptions<M>, 'broker'>) => simulateDevices({ broker: broker.url, device: QUICK, ...options });

  it('50 devices, packets dropped, duplicated and delayed, connections cut, devices restarted: every buy counted once', async () => {
    const result = await run({
      devices: 50,
      steps: 10,
      scenario: toaster,
      seed: 7,
      faults: { drop: 0.05, duplicate: 0.1, delayMs: [0, 4], cutsPerSecond: 0.5, restart: 0.05 },
    });
    // The detail says which shop and why (a miscount, or a check that could not read it).
    expect(result.invariants.map((invariant) => invariant.detail ?? 'held')).toEqual(['held']);
    expect(result.ok).toBe(true);
    expect(result).toMatchObject({ devices: 50, started: 50, finished: 50, connected: 0 });
    // Every step bought once; a step whose answer was lost is learned from the memento instead.
    expect(result.calls).toBeGreaterThan(0);
    expect(result.faults?.dropped).toBeGreaterThan(0);
    expect(result.faults?.duplicated).toBeGreaterThan(0);
    expect(result.faults?.cuts).toBeGreaterThan(0);
    expect(result.restarts).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    expect(result.connectMs).not.toBeNull();
  });

  it('without faults every step is one answered call and the latency and CPU are reported', async () => {
    const result = await run({ devices: 20, steps: 5, scenario: toaster });
    expect(result.ok).toBe(true);
    expect(result).toMatchObject({ calls: 100, errors: {}, restarts: 0, faults: null });
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  it('a duplicate effect fails the invariant, and says which shop', async () => {
    const result = await run({ devices: 10, steps: 2, scenario: doubleBuy });
    expect(result.ok).toBe(false);
    expect(result.invariants[0]).toMatchObject({ ok: false, detail: expect.stringContaining(`sim-${result.runId}-0`) });
  });
});
