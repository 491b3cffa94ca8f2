import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { writeKeyFile } from '../../device/index.js';
import { grantNewKey } from '../helpers/keys.js';
import { cliEnv } from '../helpers/cli-env.js';
import { STEAD_BIN } from '../helpers/processes.js';
import { agentProcess, agentWorld, DEVICE, GADGET, gpioHistory, type AgentProcess, type AgentWorld } from '../device/agent/agent-harness.js';

describe('stead device --config (the compiled command)', () => {
  let world: AgentWorld | null = null;
  let agent: AgentProcess | null = null;
  afterEach(async () => {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    await world?.close();
    world = null;
  });

  test('runs a TypeScript gadget module: begins, runs a bundle on its pin, exits 0 on SIGTERM with outputs safe', async () => {
    world = await agentWorld();
    await writeKeyFile(join(world.dir, 'keys', `${DEVICE}.key`), await grantNewKey(world.broker, DEVICE, { proxies: [`lamp/${DEVICE}`] }));
    const config = join(world.dir, 'agent.json');
    await writeFile(config, JSON.stringify({ device: DEVICE, broker: world.broker.url, key: `keys/${DEVICE}.key`, dataDir: 'data', gadget: GADGET, gpio: { backend: 'simulated' } }));
    agent = agentProcess(spawn(process.execPath, [STEAD_BIN, 'device', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() }));
    await expect.poll(async () => (await world!.status()).hellos.length, { timeout: 10_000 }).toBe(1);
    await world.session.call('send', 'b1', 100, [{ after: 0, method: 'on', args: [] }]);
    await expect.poll(async () => (await world!.status()).reports.length, { timeout: 10_000 }).toBe(1);
    agent.child.kill('SIGTERM');
    expect((await agent.exited)[0]).toBe(0);
    expect((await gpioHistory(join(world.dir, 'data'))).map((line) => [line.kind, line.value])).toEqual([
      ['configure', false],
      ['write', true],
      ['close', false],
    ]);
  });

  test('a config file with an unknown field exits 1 with STEAD_E_BAD_CONFIG', async () => {
    world = await agentWorld();
    const config = join(world.dir, 'agent.json');
    await writeFile(config, JSON.stringify({ device: DEVICE, broker: world.broker.url, key: 'k', dataDir: 'data', gadget: GADGET, pinz: {} }));
    agent = agentProcess(spawn(process.execPath, [STEAD_BIN, 'device', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() }));
    expect((await agent.exited)[0]).toBe(1);
    expect(agent.output()).toMatch(/^STEAD_E_BAD_CONFIG: /m);
  });
});
