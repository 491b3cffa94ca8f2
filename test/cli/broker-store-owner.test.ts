import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStead, spawnBroker, spawnStead, type BrokerProcess } from '../helpers/processes.js';
import { TEST_KEY_FILE } from '../helpers/test-key.js';

/** What a `stead broker` that does not start prints and how it ends. */
interface Refused {
  code: number | null;
  logs: Record<string, unknown>[];
}

async function brokerThatExits(args: readonly string[]): Promise<Refused> {
  const child = spawnStead(['broker', '--port', '0', '--admin-key', TEST_KEY_FILE, ...args]);
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, logs };
}

/** DESIGN §6: one broker per store file, with two real `stead broker` processes on one SQLite file. */
describe('a second stead broker on the same SQLite file', () => {
  let dir: string;
  let file: string;
  let first: BrokerProcess;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-owner-cli-'));
    file = join(dir, 'stead.db');
    first = await spawnBroker(['--store', `sqlite:${file}`, '--app', 'examples/toaster/app.ts']);
  });
  afterEach(async () => {
    expect(await first.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 at start with STORE_OWNED naming the file and the first broker’s pid; the first serves on', async () => {
    const call = (): Promise<unknown> =>
      runStead(['call', '--broker', first.url, '--journal', join(dir, 'journal'), 'toaster/shop-1', 'cli', 'buy', '["bread"]']);
    expect(await call()).toMatchObject({ code: 0, stdout: '1\n' });

    // Refused before its apps load: the store opens first.
    const second = await brokerThatExits(['--store', `sqlite:${file}`, '--app', 'examples/toaster/app.ts']);
    expect(second.code).toBe(1);
    const fatal = second.logs.find((entry) => entry.level === 60);
    expect(fatal).toMatchObject({ code: 'STEAD_E_STORE_OWNED', err: { data: { file, pid: first.child.pid } } });
    expect(String((fatal?.err as { message?: unknown }).message)).toContain(file);

    expect(await call()).toMatchObject({ code: 0, stdout: '2\n' });
  });

  it('starts once the first has stopped, on the same file, with its data', async () => {
    expect(await first.stop()).toBe(0);
    first = await spawnBroker(['--store', `sqlite:${file}`, '--app', 'examples/toaster/app.ts']);
    expect(await runStead(['call', '--broker', first.url, '--journal', join(dir, 'journal'), 'toaster/shop-1', 'cli', 'counters'])).toMatchObject({ code: 0 });
  });
});
