import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice } from '../../device/index.js';
import { helloApp } from '../helpers/apps/hello.js';
import toaster from '../helpers/apps/toaster.js';
import { startBroker } from '../helpers/broker.js';
import { it, test } from '../helpers/fixtures.js';
import { hasPublish } from '../helpers/mqtt-packets.js';
import { runStead, type RunResult } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** `stead call` exit codes (docs/cli.md). */
const EXIT = { answered: 0, failed: 1, refused: 2, unknown: 3, lost: 4, unsent: 5 };

// Attack: `stead call` whose reply was cut (exit 3, the call ran and committed) is rerun while
// the broker on the same SQLite file runs without the app for a moment (a deploy in progress).
// The rerun's resend is refused at admission with UNKNOWN_APP: an error that is not the call's
// answer (not cached, docs/errors.md). Exit 1 promises "the method had no effect", and the
// journal keeps that error as the answer, so every later rerun says "failed" too: the user's
// natural next move is `--new`, a second purchase.

describe('a rerun reports a committed call as failed only if the proxy answered it so', () => {
  let dir: string;
  let journal: string;
  let tcp: TcpProxy;
  let broker: SteadBroker | null = null;

  const open = async (withToaster: boolean): Promise<void> => {
    broker = await startBroker({ store: `sqlite:${join(dir, 'stead.db')}`, apps: withToaster ? [toaster, helloApp(40)] : [helloApp(40)] });
    tcp.retarget(broker.port);
  };

  test.beforeEach(async ({ tempDir }) => {
    dir = tempDir;
    journal = join(dir, 'journal');
    broker = await startBroker({ store: `sqlite:${join(dir, 'stead.db')}` });
    tcp = await startTcpProxy(broker.port);
  });

  afterEach(async () => {
    await tcp.close();
    await broker?.close();
  });

  const stead = (args: string[]): Promise<RunResult> =>
    runStead(['call', '--broker', tcp.url, '--journal', journal, '--deadline', '1500', ...args]);
  const buy = ['toaster/shop-1', 'cli', 'buy', '["bread"]'];

  it('a resend refused with UNKNOWN_APP while the app is missing is not the answer; the rerun after prints the original reply', async () => {
    // Cut right before the call's reply (the 2nd frame on …/out) and refuse reconnects.
    let seen = 0;
    tcp.interceptDownstream((chunk) => {
      if (!hasPublish(chunk, (topic) => topic.endsWith('/out')) || ++seen < 2) return false;
      tcp.refuse(true);
      return true;
    });
    expect((await stead(buy)).code).toBe(EXIT.unknown);
    tcp.interceptDownstream(null);
    tcp.refuse(false);

    // The broker restarts on the same file, without the toaster app for a moment.
    await broker?.close();
    await open(false);
    const during = await stead(buy);
    // The call ran; the broker only could not say so now: not "failed, no effect".
    expect.soft(during.code).toBe(EXIT.unknown);
    expect.soft(await readdir(journal)).toHaveLength(1);

    await broker?.close();
    await open(true);
    const after = await stead(buy);
    expect.soft(after).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    const device = await connectDevice({ url: tcp.url });
    try {
      expect(await device.session('toaster/shop-1', 'check').call('counters')).toEqual({ bread: 1 });
    } finally {
      await device.close();
    }
  });
});
