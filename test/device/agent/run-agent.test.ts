import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { newDeviceKey, writeKeyFile } from '../../../device/index.js';
import { parseAgentConfig, runAgent, type AgentConfig, type RunningAgent } from '../../../device/agent/index.js';
import { codeOf } from '../../helpers/errors.js';
import { grantNewKey } from '../../helpers/keys.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { agentWorld, DEVICE, gpioHistory, type AgentWorld } from './agent-harness.js';
import lampGadget from './fixtures/lamp-gadget.js';

const quiet = (): void => {};

describe('runAgent', () => {
  let world: AgentWorld | null = null;
  let agent: RunningAgent | null = null;
  let proxy: TcpProxy | null = null;
  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await proxy?.close();
    proxy = null;
    await world?.close();
    world = null;
  });

  async function config(url: string, overrides: Partial<AgentConfig> = {}): Promise<AgentConfig> {
    const key = await grantNewKey(world!.broker, DEVICE, { proxies: [`lamp/${DEVICE}`] });
    const keyFile = join(world!.dir, `${DEVICE}.key`);
    await writeKeyFile(keyFile, key);
    return { device: DEVICE, broker: url, key: keyFile, dataDir: join(world!.dir, 'data'), gadget: lampGadget, gpio: { backend: 'simulated' }, reconnect: { initialMs: 20, maxMs: 200 }, ...overrides };
  }

  test('starts with the broker out of reach, keeps reconnecting, begins once it is there, and again after a cut', async () => {
    world = await agentWorld();
    proxy = await startTcpProxy(world.broker.port);
    proxy.refuse(true);
    agent = await runAgent(await config(proxy.url), { log: quiet });
    // Up (pins configured, journal open) without a broker: it does not wait for one to start.
    expect(await agent.gpio.read('lamp')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await world.status()).hellos).toEqual([]);
    proxy.refuse(false);
    await agent.begun;
    await expect.poll(async () => (await world!.status()).hellos.length, { timeout: 5000 }).toBe(1);

    proxy.cut();
    await world.session.call('send', 'b1', 100, [{ after: 0, method: 'on', args: [] }]);
    await expect.poll(async () => (await world!.status()).reports.map((report) => report.status), { timeout: 5000 }).toEqual(['completed']);
    expect((await gpioHistory(join(world.dir, 'data'))).filter((line) => line.kind === 'write').map((line) => line.value)).toEqual([true]);
  });

  test('stop() drives outputs to their safe values and ends the session (the next begin is not a crash)', async () => {
    world = await agentWorld();
    const settings = await config(world.broker.url);
    agent = await runAgent(settings, { log: quiet });
    await agent.begun;
    await agent.gpio.write('lamp', true);
    await agent.stop();
    agent = null;
    expect((await gpioHistory(settings.dataDir)).at(-1)).toMatchObject({ kind: 'close', value: false });
    agent = await runAgent(settings, { log: quiet });
    expect((await agent.begun).crashed).toBe(false);
  });

  test('a gadget whose onBegin throws still gets its bundles', async () => {
    world = await agentWorld();
    const failing = { ...lampGadget, onBegin: () => Promise.reject(new Error('the gadget could not say hello')) };
    agent = await runAgent(await config(world.broker.url, { gadget: failing }), { log: quiet });
    await agent.begun;
    await world.session.call('send', 'b1', 100, [{ after: 0, method: 'on', args: [] }]);
    await expect.poll(async () => (await world!.status()).reports.map((report) => report.status), { timeout: 5000 }).toEqual(['completed']);
  });

  test('a bad config is refused before any pin is touched', async () => {
    world = await agentWorld();
    // A config file's contents: BAD_CONFIG naming the field (the broker's stead.json is refused the same way).
    expect(parseAgentConfig.bind(null, { device: 'a', broker: 'mqtt://x', key: 'k', dataDir: 'd', gadget: 'g.js', pinz: {} }, '/')).toThrow(
      expect.objectContaining({ code: 'STEAD_E_BAD_CONFIG', data: { fields: ['pinz'] } }),
    );
    expect(codeOf(() => parseAgentConfig({ device: 'a', broker: 'mqtt://x', key: 'k', dataDir: 'd', gadget: 'g.js', gpio: { backend: 'gpiod' } }, '/'))).toBe('STEAD_E_BAD_CONFIG');
    // The same fields given to runAgent: BAD_OPTIONS, before any pin is touched.
    const typo = { device: 'a', broker: 'mqtt://x', key: 'k', dataDir: 'd', gadget: 'g.js', lateToleranceMs: -1 };
    await expect(runAgent(typo, { log: quiet })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS', data: { fields: ['lateToleranceMs'] } });
    expect(parseAgentConfig({ device: 'a', broker: 'mqtt://x', key: 'keys/a.key', dataDir: 'data', gadget: 'g.js' }, '/opt/stead')).toMatchObject({
      key: '/opt/stead/keys/a.key',
      dataDir: '/opt/stead/data',
      gadget: '/opt/stead/g.js',
      gpio: { backend: 'linux', root: '/' },
    });

    const settings = await config(world.broker.url);
    const badPins = { lamp: { line: 18, direction: 'out' as const }, relay: { line: 18, direction: 'out' as const } };
    await expect(runAgent({ ...settings, pins: badPins }, { log: quiet })).rejects.toMatchObject({ code: 'STEAD_E_DUPLICATE_PIN' });
    expect(await gpioHistory(settings.dataDir)).toEqual([]);

    const otherKey = join(world.dir, 'other.key');
    await writeKeyFile(otherKey, newDeviceKey('other'));
    await expect(runAgent({ ...settings, key: otherKey }, { log: quiet })).rejects.toMatchObject({ code: 'STEAD_E_BAD_KEY' });
  });
});
