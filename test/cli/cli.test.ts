import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStead, spawnBroker, type BrokerProcess, type RunResult } from '../helpers/processes.js';

/** `stead call` exit codes (cli/exit-codes.ts, docs/cli.md). */
const EXIT = { answered: 0, failed: 1, refused: 2, unknown: 3, lost: 4, unsent: 5 };

describe('stead CLI', () => {
  let broker: BrokerProcess;
  let dir: string;
  const call = (args: string[]): Promise<RunResult> => runStead(['call', '--journal', join(dir, 'journal'), ...args]);

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
    const first = await call(['--broker', broker.url, 'toaster/cli-shop', 'cli', 'buy', '["bread"]']);
    expect(first).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    const counters = await call(['--broker', broker.url, 'toaster/cli-shop', 'cli', 'counters']);
    expect(counters.code).toBe(EXIT.answered);
    expect(JSON.parse(counters.stdout)).toEqual({ bread: 1 });
  });

  it.each([
    [['toaster/cli-shop', 'cli', 'sell', '["bread"]'], 'STEAD_E_UNKNOWN_METHOD', EXIT.failed],
    [['toaster/cli-shop', 'cli', 'buy', '[42]'], 'STEAD_E_BAD_ARGUMENTS', EXIT.failed],
    [['nosuchapp/x', 'cli', 'buy', '["bread"]'], 'STEAD_E_UNKNOWN_APP', EXIT.failed],
    [['toaster/cli-shop', 'cli', 'buy', 'bread'], 'STEAD_E_BAD_OPTIONS', EXIT.refused],
    [['toaster/cli-shop', 'cli', 'buy', '{"item":"bread"}'], 'STEAD_E_BAD_OPTIONS', EXIT.refused],
    [['Toaster/x', 'cli', 'buy', '[]'], 'STEAD_E_INVALID_NAME', EXIT.refused],
  ])('stead call %j fails with %s and exit code %i', async (args, code, exit) => {
    const result = await call(['--broker', broker.url, ...args]);
    expect(result.code).toBe(exit);
    expect(result.stderr.split(':')[0]).toBe(code);
  });

  it('stead call fails with UNREACHABLE and its own exit code when no broker answers', async () => {
    const result = await call(['--broker', 'mqtt://127.0.0.1:1', '--deadline', '500', 'toaster/x', 'cli', 'counters']);
    expect(result.code).toBe(EXIT.unsent);
    expect(result.stderr.split(':')[0]).toBe('STEAD_E_UNREACHABLE');
  });

  it('stead call refuses unknown options with the usage exit code, and --help exits 0', async () => {
    expect((await call(['--no-such-option', 'toaster/x', 'cli', 'counters'])).code).toBe(EXIT.refused);
    expect((await call(['--help'])).code).toBe(0);
  });

  it('stead broker refuses to start with an app module that declares no proxy', async () => {
    await expect(spawnBroker(['--store', 'memory:', '--app', 'shared/limits.ts'], 10_000)).rejects.toThrow(/exited with 1/);
  });
});
