import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice } from '../../device/index.js';
import { it, test } from '../helpers/fixtures.js';
import { hasPublish } from '../helpers/mqtt-packets.js';
import { runStead, type RunResult } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** `stead call` exit codes (cli/exit-codes.ts, docs/cli.md). */
const EXIT = { answered: 0, failed: 1, refused: 2, unknown: 3, lost: 4, unsent: 5 };
/** What the broker sends a `stead call` on …/out, in order: begin's reply, the call's, the end's. */
const REPLY = { begin: 1, call: 2, end: 3 };

/**
 * Issue 6, hole 8: the real `stead` binary against a real broker, through a TCP proxy that cuts
 * the connection right before a given reply reaches the CLI and then refuses reconnects. The
 * rerun of the same command resends the journalled call and the method runs once in all.
 */
describe('stead call is exactly-once across reruns', () => {
  let broker: SteadBroker;
  let tcp: TcpProxy;
  let journal: string;

  test.beforeEach(async ({ broker: started, tempDir }) => {
    broker = started;
    tcp = await startTcpProxy(broker.port);
    journal = tempDir;
  });

  afterEach(async () => {
    await tcp.close();
  });

  const stead = (args: string[], extra: string[] = []): Promise<RunResult> =>
    runStead(['call', '--broker', tcp.url, '--journal', journal, '--deadline', '1500', ...extra, ...args]);
  const buy = ['toaster/shop-1', 'cli', 'buy', '["bread"]'];

  /** Cuts the connection before the nth frame on …/out reaches the CLI; later connections are refused. */
  function cutBefore(nth: number): void {
    let seen = 0;
    tcp.interceptDownstream((chunk) => {
      if (!hasPublish(chunk, (topic) => topic.endsWith('/out')) || ++seen < nth) return false;
      tcp.refuse(true);
      return true;
    });
  }

  function heal(): void {
    tcp.interceptDownstream(null);
    tcp.refuse(false);
  }

  async function counters(): Promise<unknown> {
    const device = await connectDevice({ url: broker.url });
    try {
      return await device.session('toaster/shop-1', 'check').call('counters');
    } finally {
      await device.close();
    }
  }

  it('a lost reply exits with the unknown-outcome code; the same command again prints the original reply', async () => {
    cutBefore(REPLY.call);
    const first = await stead(buy);
    expect(first.code).toBe(EXIT.unknown);
    expect(first.stderr.split(':')[0]).toBe('STEAD_E_OUTCOME_UNKNOWN');
    expect(await readdir(journal)).toHaveLength(1);

    heal();
    const again = await stead(buy);
    expect(again).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    expect(await counters()).toEqual({ bread: 1 });
    expect(await readdir(journal)).toEqual([]);
  });

  it("a lost end reply still prints the reply and exits 0; the rerun prints it again and ends the instance", async () => {
    cutBefore(REPLY.end);
    const first = await stead(buy);
    expect(first).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    expect(first.stderr).toMatch(/^warning: STEAD_E_DEADLINE:/);

    heal();
    const again = await stead(buy);
    expect(again).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    expect(await counters()).toEqual({ bread: 1 });
    expect(await readdir(journal)).toEqual([]);
    // With the end confirmed, the same command is a new call.
    expect(await stead(buy)).toMatchObject({ code: EXIT.answered, stdout: '2\n' });
  });

  it('an unresolved call blocks a different call of the session until it is resolved or abandoned with --new', async () => {
    cutBefore(REPLY.call);
    expect((await stead(buy)).code).toBe(EXIT.unknown);
    heal();
    const other = await stead(['toaster/shop-1', 'cli', 'buy', '["jam"]']);
    expect(other.code).toBe(EXIT.refused);
    expect(other.stderr.split(':')[0]).toBe('STEAD_E_CALL_PENDING');

    const fresh = await stead(['toaster/shop-1', 'cli', 'buy', '["jam"]'], ['--new']);
    expect(fresh).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    // The abandoned call had run once (only its reply was cut); --new ran only the new one.
    expect(await counters()).toEqual({ bread: 1, jam: 1 });
  });

  it('a journalled instance fenced meanwhile exits with the lost-outcome code, every time, until --new', async () => {
    cutBefore(REPLY.call);
    expect((await stead(buy)).code).toBe(EXIT.unknown);
    heal();
    const device = await connectDevice({ url: broker.url });
    await device.session('toaster/shop-1', 'cli').begin();
    await device.close();

    for (let run = 0; run < 2; run++) {
      const lost = await stead(buy);
      expect(lost.code).toBe(EXIT.lost);
      expect(lost.stderr.split(':')[0]).toBe('STEAD_E_OUTCOME_LOST');
    }
    expect(await stead(buy, ['--new'])).toMatchObject({ code: EXIT.answered, stdout: '2\n' });
    expect(await counters()).toEqual({ bread: 2 });
  });

  it.each([
    ['is not JSON', (): string => '{ torn'],
    ['holds arguments that do not decode', (text: string): string => JSON.stringify({ ...(JSON.parse(text) as object), args: '////' })],
  ])('a journal entry that %s is refused with its own code, and --new replaces it', async (_case, damage) => {
    cutBefore(REPLY.call);
    expect((await stead(buy)).code).toBe(EXIT.unknown);
    heal();
    const path = join(journal, (await readdir(journal))[0] as string);
    await writeFile(path, damage(await readFile(path, 'utf8')));
    const refused = await stead(buy);
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.stderr.split(':')[0]).toBe('STEAD_E_JOURNAL');
    expect(await stead(buy, ['--new'])).toMatchObject({ code: EXIT.answered, stdout: '2\n' });
  });
});
