import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStead, spawnBroker, type BrokerProcess } from '../helpers/processes.js';

describe('stead CLI', () => {
  let broker: BrokerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-cli-'));
    const store = `sqlite:${join(dir, 'stead.db')}`;
    broker = await spawnBroker(['--store', store, '--app', 'examples/toaster/app.ts', '--app', 'examples/hello/app.ts']);
  });

  afterAll(async () => {
    expect(await broker.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('stead broker logs where it listens and which apps it loaded', () => {
    expect(broker.logs.find((l) => l.msg === 'stead broker listening')).toMatchObject({
      apps: ['toaster', 'hello'],
      store: expect.stringMatching(/^sqlite:/),
    });
  });

  it('stead call prints the reply as JSON and exits 0', async () => {
    const first = await runStead(['call', '--broker', broker.url, 'toaster/cli-shop', 'cli', 'buy', '["bread"]']);
    expect(first).toMatchObject({ code: 0, stdout: '1\n' });
    const counters = await runStead(['call', '--broker', broker.url, 'toaster/cli-shop', 'cli', 'counters']);
    expect(counters.code).toBe(0);
    expect(JSON.parse(counters.stdout)).toEqual({ bread: 1 });
  });

  it.each([
    [['toaster/cli-shop', 'cli', 'sell', '["bread"]'], 'STEAD_E_UNKNOWN_METHOD'],
    [['nosuchapp/x', 'cli', 'buy', '["bread"]'], 'STEAD_E_UNKNOWN_APP'],
    [['toaster/cli-shop', 'cli', 'buy', '[42]'], 'STEAD_E_BAD_ARGUMENTS'],
    [['toaster/cli-shop', 'cli', 'buy', 'bread'], 'STEAD_E_BAD_OPTIONS'],
    [['Toaster/x', 'cli', 'buy', '[]'], 'STEAD_E_INVALID_NAME'],
  ])('stead call %j fails with %s and a non-zero exit code', async (args, code) => {
    const result = await runStead(['call', '--broker', broker.url, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.split(':')[0]).toBe(code);
  });

  it('stead call fails with UNREACHABLE when no broker answers', async () => {
    const result = await runStead(['call', '--broker', 'mqtt://127.0.0.1:1', '--deadline', '500', 'toaster/x', 'cli', 'counters']);
    expect(result.code).not.toBe(0);
    expect(result.stderr.split(':')[0]).toBe('STEAD_E_UNREACHABLE');
  });

  it('stead broker refuses to start with an app module that declares no proxy', async () => {
    await expect(spawnBroker(['--app', 'shared/limits.ts'], 10_000)).rejects.toThrow(/exited with 1/);
  });
});
