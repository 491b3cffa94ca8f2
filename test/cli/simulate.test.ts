import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStead, spawnBroker, type BrokerProcess } from '../helpers/processes.js';

/** `stead simulate` exit codes (cli/exit-codes.ts, docs/simulate.md). */
const EXIT = { ok: 0, invariantFailed: 1, refused: 2 };

function jsonLines(stdout: string): { type: string; ok?: boolean; [key: string]: unknown }[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string });
}

describe('stead simulate', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await spawnBroker(['--store', 'memory:', '--app', 'examples/toaster/app.ts']);
  });
  afterAll(async () => {
    expect(await broker.stop()).toBe(0);
  });

  const simulate = (args: string[]) => runStead(['simulate', '--broker', broker.url, '--retry', '100', ...args]);

  it('runs the toaster scenario under faults, prints JSON lines off a terminal, and exits 0 when every invariant held', async () => {
    const run = await simulate(['--devices', '20', '--steps', '5', '--scenario', 'examples/toaster/scenario.ts', '--drop', '0.05', '--duplicate', '0.1', '--restart', '0.1', '--delay', '0-3', '--seed', '5']);
    expect(run.code).toBe(EXIT.ok);
    const result = jsonLines(run.stdout).at(-1);
    expect(result).toMatchObject({ type: 'result', ok: true, devices: 20, finished: 20, seed: 5, invariants: [{ ok: true }] });
  });

  it('exits 1 when a scenario makes a duplicate effect, and names the invariant that failed', async () => {
    const run = await simulate(['--devices', '5', '--steps', '2', '--scenario', 'test/helpers/scenarios/double-buy.ts']);
    expect(run.code).toBe(EXIT.invariantFailed);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'result', ok: false, invariants: [{ ok: false }] });
  });

  it('exits 2 with STEAD_E_SCENARIO_LOAD when the scenario does not load or exports none', async () => {
    for (const scenario of ['test/helpers/scenarios/no-such-file.ts', 'examples/toaster/app.ts']) {
      const run = await simulate(['--devices', '1', '--scenario', scenario]);
      expect(run.code).toBe(EXIT.refused);
      expect(run.stderr.split(':')[0]).toBe('STEAD_E_SCENARIO_LOAD');
    }
  });

  it('refuses a probability above 1 with the usage exit code', async () => {
    const run = await simulate(['--devices', '1', '--scenario', 'examples/toaster/scenario.ts', '--drop', '2']);
    expect(run.code).toBe(EXIT.refused);
  });
});
