import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineScenario, simulateDevices, type SimDeviceInfo, type SimProgress } from '../../../device/sim/index.js';
import type { SteadBroker } from '../../../broker/index.js';
import { codeOfAsync } from '../../helpers/errors.js';
import { startBroker } from '../../helpers/broker.js';

const counting = defineScenario({
  async step(ctx) {
    await ctx.call(ctx.session(`toaster/unit-${ctx.runId}`, `s-${ctx.index}`), 'buy', 'bread');
  },
});

describe('simulateDevices', () => {
  let broker: SteadBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker.close();
  });

  it.each([
    ['no devices', { devices: 0 }],
    ['a fractional step count', { steps: 1.5 }],
    ['a connect batch of 0', { connectBatch: 0 }],
    ['a scenario without step', { scenario: {} }],
    ['a drop probability above 1', { faults: { drop: 1.5 } }],
    ['a restart probability below 0', { faults: { restart: -0.1 } }],
    ['faults on a WebSocket URL', { broker: 'ws://127.0.0.1:1/mqtt', faults: { drop: 0.1 } }],
  ])('refuses %s with BAD_OPTIONS', async (_name, bad) => {
    const options = { broker: broker.url, devices: 1, scenario: counting, ...bad } as Parameters<typeof simulateDevices>[0];
    expect(await codeOfAsync(() => simulateDevices(options))).toBe('STEAD_E_BAD_OPTIONS');
  });

  it('counts failed calls by error code, and a step that throws without a call under its own name', async () => {
    const result = await simulateDevices({
      broker: broker.url,
      devices: 3,
      steps: 2,
      scenario: defineScenario({
        async step(ctx) {
          if (ctx.index === 0) throw new RangeError('the scenario broke');
          await ctx.call(ctx.session(`toaster/unit-${ctx.runId}`, `s-${ctx.index}`), 'sell', 'bread');
        },
      }),
    });
    expect(result.errors).toEqual({ STEAD_E_UNKNOWN_METHOD: 4, RangeError: 2 });
    expect(result.calls).toBe(0);
  });

  it('asks the key provider for each device at every connect, restarts included, and uses what it gives', async () => {
    const asked: SimDeviceInfo[] = [];
    const result = await simulateDevices({
      broker: broker.url,
      devices: 4,
      steps: 3,
      seed: 11,
      scenario: counting,
      faults: { restart: 0.5, restartWithinMs: 0 },
      keys: (device) => {
        asked.push(device);
        return { agent: `sim-agent-${device.index}` };
      },
    });
    expect(result.restarts).toBeGreaterThan(0);
    expect(asked.length).toBe(4 + result.restarts);
    expect(new Set(asked.map((d) => d.id)).size).toBe(4);
  });

  it("runs under the scenario's own faults when the options give none, and the options' when they do", async () => {
    const faulty = defineScenario({ ...counting, faults: { duplicate: 1 } });
    const own = await simulateDevices({ broker: broker.url, devices: 2, steps: 2, scenario: faulty });
    expect(own.faults?.duplicated).toBeGreaterThan(0);
    const given = await simulateDevices({ broker: broker.url, devices: 2, steps: 2, scenario: faulty, faults: {} });
    expect(given.faults).toBeNull();
  });

  it('reports progress while it runs, and stops starting steps after durationMs', async () => {
    const progress: SimProgress[] = [];
    const result = await simulateDevices({
      broker: broker.url,
      devices: 2,
      steps: 1_000_000,
      durationMs: 300,
      progressMs: 50,
      onProgress: (p) => progress.push(p),
      scenario: counting,
    });
    expect(result.finished).toBe(2);
    expect(result.calls).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ started: 2, calls: expect.any(Number), cpuPercent: expect.any(Number) });
  });
});
