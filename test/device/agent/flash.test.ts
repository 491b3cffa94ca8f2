import { spawn } from 'node:child_process';
import { cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { node18Root, rootFolder, type RootFolder } from '../../helpers/node18-root.js';
import { agentProcess, agentWorld, DEVICE, gpioHistory, type AgentProcess, type AgentWorld } from './agent-harness.js';

const ON_OFF = [
  { after: 0, method: 'on', args: [] },
  { after: 200, method: 'off', args: [] },
];

describe('stead flash: a gadget flashed into a root folder runs under Debian bookworm’s Node 18', () => {
  let world: AgentWorld;
  let skip: string | null = null;
  let root: string | null = null;
  let folder: RootFolder | null = null;
  let agent: AgentProcess | null = null;

  beforeAll(async () => {
    const made = await node18Root();
    if (made.skip !== null) {
      skip = made.skip;
      console.warn(`SKIPPED the flashed agent under Node 18: ${skip}`);
    } else {
      root = made.root;
    }
  }, 600_000);
  afterEach(async () => {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    agent = null;
    await folder?.remove();
    folder = null;
    await world?.close();
  });
  afterAll(() => {});

  test('flash writes agent, config, key (0600) and unit; a second flash changes nothing', async () => {
    world = await agentWorld();
    const target = join(world.dir, 'sdcard');
    const first = await world.flash(target);
    expect(first.registered).toBe(true);
    expect(first.files.map((file) => [file.path, file.outcome])).toEqual([
      ['opt/stead/agent.mjs', 'written'],
      ['opt/stead/agent.json', 'written'],
      [`opt/stead/keys/${DEVICE}.key`, 'written'],
      ['etc/systemd/system/stead-agent.service', 'written'],
    ]);
    expect((await stat(join(target, `opt/stead/keys/${DEVICE}.key`))).mode & 0o777).toBe(0o600);
    expect((await stat(join(world.dir, `keys/${DEVICE}.key`))).mode & 0o777).toBe(0o600);
    const unit = await readFile(join(target, 'etc/systemd/system/stead-agent.service'), 'utf8');
    for (const line of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=30', 'Restart=always', 'ExecStart=/usr/bin/node /opt/stead/agent.mjs --config /opt/stead/agent.json']) {
      expect(unit).toContain(line);
    }
    // One pure-JavaScript file: cbor-x's native addon is not even named.
    const agentFile = await readFile(join(target, 'opt/stead/agent.mjs'), 'utf8');
    expect(agentFile).not.toContain('cbor-extract');
    expect(agentFile).not.toMatch(/\.node['"]/);
    const mtimes = await Promise.all(first.files.map(async (file) => (await stat(join(target, file.path))).mtimeMs));

    const progress: { step: string }[] = [];
    const second = await world.flash(target, progress as never);
    expect(second.publicKey).toBe(first.publicKey);
    expect(second.files.every((file) => file.outcome === 'unchanged')).toBe(true);
    expect(await Promise.all(second.files.map(async (file) => (await stat(join(target, file.path))).mtimeMs))).toEqual(mtimes);
    expect(progress.map((step) => step.step)).toEqual(['build', 'key', 'register', 'file', 'file', 'file', 'file', 'done']);
  });

  test('the flashed agent, run from its folder by Node 18, begins, calls its proxy, drives its pin on a bundle, and ends safe on SIGTERM', async (context) => {
    if (root === null) {
      context.skip(skip ?? 'no Node 18 root');
      return;
    }
    world = await agentWorld();
    const target = join(world.dir, 'sdcard');
    await world.flash(target);
    // The flashed folder, copied into the bookworm root: the agent runs from there, not from the repo.
    folder = await rootFolder(root);
    await cp(join(target, 'opt/stead'), join(folder.host, 'stead'), { recursive: true });
    const inside = `${folder.inside}/stead`;
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' };
    agent = agentProcess(spawn('chroot', [root, 'node', `${inside}/agent.mjs`, '--config', `${inside}/agent.json`], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const running = agent;

    await expect.poll(async () => (await world.status()).hellos, { timeout: 15_000 }).toEqual([{ crashed: false, memento: null }]);
    expect(running.output()).toContain('v18');
    await world.session.call('send', 'b1', 300, ON_OFF);
    await expect.poll(async () => (await world.status()).reports.map((report) => report.status), { timeout: 10_000 }).toEqual(['completed']);
    const dataDir = join(folder.host, 'stead', 'data');
    expect((await gpioHistory(dataDir)).filter((line) => line.kind === 'write').map((line) => line.value)).toEqual([true, false]);

    await world.session.call('send', 'b2', 100, [{ after: 0, method: 'on', args: [] }, { after: 60_000, method: 'off', args: [] }]);
    await expect.poll(async () => (await gpioHistory(dataDir)).filter((line) => line.kind === 'write').length, { timeout: 10_000 }).toBe(3);
    running.child.kill('SIGTERM');
    const [code] = await running.exited;
    expect(code).toBe(0);
    // The lamp was on when systemd stopped the agent: it is left at its safe value, off.
    expect((await gpioHistory(dataDir)).at(-1)).toMatchObject({ pin: 'lamp', kind: 'close', value: false });
  });
});
