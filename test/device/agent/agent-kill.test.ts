import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { agentWorld, gpioHistory, startFlashedAgent, type AgentProcess, type AgentWorld } from './agent-harness.js';

/** Writes of the lamp pin, in order, across every run of the agent. */
const writes = async (dataDir: string): Promise<boolean[]> =>
  (await gpioHistory(dataDir)).filter((line) => line.kind === 'write').map((line) => line.value);

describe('the device agent as a process (the flashed file, run by this node)', () => {
  let world: AgentWorld | null = null;
  const agents: AgentProcess[] = [];
  afterEach(async () => {
    for (const agent of agents.splice(0)) {
      if (agent.child.exitCode === null && agent.child.signalCode === null) {
        agent.child.kill('SIGKILL');
        await agent.exited;
      }
    }
    await world?.close();
    world = null;
  });

  test('killed with kill -9 mid-bundle and restarted: the recovery command fires on time and the report reaches the proxy once', async () => {
    world = await agentWorld();
    const target = join(world.dir, 'root');
    await world.flash(target);
    const dataDir = join(target, 'opt/stead/data');
    const first = startFlashedAgent(target);
    agents.push(first);
    await expect.poll(async () => (await world!.status()).hellos.length, { timeout: 10_000 }).toBe(1);

    const sentAt = Date.now();
    await world.session.call('send', 'b1', 200, [
      { after: 0, method: 'on', args: [] },
      { after: 1500, method: 'off', args: [] },
    ]);
    await expect.poll(() => writes(dataDir), { timeout: 5000 }).toEqual([true]);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startFlashedAgent(target);
    agents.push(second);
    await expect.poll(async () => (await world!.status()).reports.length, { timeout: 10_000 }).toBe(1);
    const status = await world.status();
    expect(status.hellos.map((hello) => hello.crashed)).toEqual([false, true]);
    const [report] = status.reports;
    expect(report).toMatchObject({ id: 'b1', status: 'completed' });
    expect(report!.commands.map((command) => command.status)).toEqual(['done', 'done']);
    // The recovery command ran at its time (start + 1500 ms), by the restarted agent.
    const off = report!.commands[1]!;
    expect(off.due).toBeGreaterThanOrEqual(sentAt + 1700 - 50);
    expect(off.ranAt! - off.due).toBeLessThan(500);
    expect(off.ranAt! - off.due).toBeGreaterThanOrEqual(0);
    expect(await writes(dataDir)).toEqual([true, false]);
    // Sent once, recorded once; and nothing is left for the agent to send again.
    expect(status.reportCalls).toBe(1);
  });

  test('systemd: READY=1, then WATCHDOG=1 at half of WATCHDOG_USEC, and none while the event loop is blocked', async () => {
    world = await agentWorld();
    const target = join(world.dir, 'root');
    await world.flash(target);
    const bin = join(world.dir, 'bin');
    const told = join(world.dir, 'systemd-notify.log');
    await mkdir(bin);
    // A fake systemd-notify: records each message with the time it was sent (ms).
    await writeFile(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$(date +%s%3N) $*" >> ${told}\n`);
    await chmod(join(bin, 'systemd-notify'), 0o755);
    const agent = startFlashedAgent(target, { PATH: `${bin}:${process.env.PATH}`, NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '200000' });
    agents.push(agent);
    const messages = async (): Promise<{ at: number; message: string }[]> =>
      (await readFile(told, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' '))
        // Each sent as the agent: `--pid=<the agent's pid> <message>`.
        .map(([at, pid, message]) => ({ at: Number(at), message: pid === `--pid=${agent.child.pid}` ? message! : `from another pid: ${pid}` }));
    await expect.poll(async () => (await messages()).filter((m) => m.message === 'WATCHDOG=1').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect((await messages())[0]!.message).toBe('--ready');

    const blockedFrom = Date.now() + 300;
    await world.session.call('send', 'block', 300, [{ after: 0, method: 'block', args: [1500] }]);
    await expect.poll(async () => (await world!.status()).reports.length, { timeout: 10_000 }).toBe(1);
    const pings = (await messages()).filter((m) => m.message === 'WATCHDOG=1').map((m) => m.at);
    const gaps = pings.slice(1).map((at, index) => ({ from: pings[index]!, gap: at - pings[index]! }));
    // Every 100 ms while the loop turns; one gap of the blocked 1.5 s while it does not.
    const longest = gaps.reduce((a, b) => (b.gap > a.gap ? b : a));
    expect(longest.gap).toBeGreaterThanOrEqual(1400);
    expect(longest.from).toBeGreaterThanOrEqual(blockedFrom - 400);
    expect(gaps.filter((g) => g.gap >= 1000)).toHaveLength(1);

    agent.child.kill('SIGTERM');
    expect((await agent.exited)[0]).toBe(0);
    expect((await messages()).some((m) => m.message === 'STOPPING=1')).toBe(true);
  });
});
