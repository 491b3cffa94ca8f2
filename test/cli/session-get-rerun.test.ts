import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import type { Device } from '../../device/index.js';
import { it, test } from '../helpers/fixtures.js';
import { runStead, spawnStead } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const SECRET = 'S3CRET-for-the-cli';
const ADDRESS = 'session:toaster/vault/kitchen+secret';

/**
 * Attack (the impatient CLI user): `stead session get` of a once-only value, killed (Ctrl-C, a
 * closed terminal, kill -9) after the proxy consumed the value and before the answer was printed.
 * The natural next move is the same command again. Each run used to be a new request (a fresh
 * ref): the rerun got "absent" (exit 4) and the value was gone without a trace. Like `stead call`
 * (docs/cli.md, exactly once across runs), the get is journalled before it is sent, and the rerun
 * sends the same request again, whose answer the proxy kept (DESIGN §6): it prints the value.
 */
describe('stead session get of a once-only value, killed before the answer arrived', () => {
  let dir: string;
  let broker: SteadBroker;
  let tcp: TcpProxy;
  let device: Device;

  test.beforeEach(async ({ tempDir, broker: started, device: connected }) => {
    dir = tempDir;
    broker = started;
    tcp = await startTcpProxy(broker.port);
    device = connected;
  });

  afterEach(async () => {
    await tcp.close();
  });

  const args = ['session', 'get', ADDRESS, '--broker', '', '--deadline', '5000'];
  const env = (): NodeJS.ProcessEnv => ({ STEAD_STATE_DIR: dir });

  it('the same command again prints the value; it is consumed once', async () => {
    await device.resources('toaster/vault').sink('kitchen', 'secret', SECRET, { once: true });
    args[4] = tcp.url;
    const child = spawnStead(args, env());
    // The answer carrying the value is on its way back: the user kills the command right then.
    tcp.interceptDownstream((chunk) => {
      if (!chunk.includes(SECRET)) return false;
      child.kill('SIGKILL');
      return true;
    });
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    tcp.interceptDownstream(null);

    const rerun = await runStead(args, env());
    expect(rerun).toMatchObject({ code: 0, stdout: `${JSON.stringify(SECRET)}\n` });
    // Answered: nothing is left journalled, and the value is gone for everyone else.
    expect(await readdir(join(dir, 'journal')).catch(() => [])).toEqual([]);
    expect((await runStead(args, env())).code).toBe(4);
  });

  it('a get that could not be sent at all leaves no entry behind', async () => {
    const unreachable = await runStead(['session', 'get', ADDRESS, '--broker', 'mqtt://127.0.0.1:1', '--deadline', '500'], env());
    expect(unreachable.code).toBe(5);
    expect(await readdir(join(dir, 'journal')).catch(() => [])).toEqual([]);
  });
});

describe('two runs of the same stead session get at once', () => {
  let dir: string;
  let broker: SteadBroker;
  let tcp: TcpProxy;
  let device: Device;

  test.beforeEach(async ({ tempDir, broker: started, device: connected }) => {
    dir = tempDir;
    broker = started;
    tcp = await startTcpProxy(broker.port);
    device = connected;
  });

  afterEach(async () => {
    await tcp.close();
  });

  it('never both print a once-only value: the journalled request is taken up by one run at a time', async () => {
    await device.resources('toaster/vault').sink('kitchen', 'secret', SECRET, { once: true });
    const args = ['session', 'get', ADDRESS, '--broker', tcp.url, '--deadline', '5000'];
    const env = { STEAD_STATE_DIR: dir };
    // A run killed after the proxy consumed the value leaves its request journalled...
    const child = spawnStead(args, env);
    tcp.interceptDownstream((chunk) => {
      if (!chunk.includes(SECRET)) return false;
      child.kill('SIGKILL');
      return true;
    });
    await once(child, 'exit');
    tcp.interceptDownstream(null);
    // ... and two reruns start at once (two terminals, a retrying script).
    const results = await Promise.all([runStead(args, env), runStead(args, env)]);
    expect(results.filter((r) => r.stdout.includes(SECRET))).toHaveLength(1);
    // The other one is told another run is at it (exit 2, nothing sent), or, started after the
    // first had finished, found the value consumed (exit 4).
    const codes = results.map((r) => r.code).sort();
    expect([[0, 2], [0, 4]]).toContainEqual(codes);
  });
});
