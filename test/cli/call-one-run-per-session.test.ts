import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice } from '../../device/index.js';
import { it, test } from '../helpers/fixtures.js';
import { hasPublish } from '../helpers/mqtt-packets.js';
import { runStead, spawnStead, type RunResult } from '../helpers/processes.js';

const EXIT = { answered: 0, failed: 1, refused: 2, unknown: 3, lost: 4, unsent: 5 };

/**
 * A real TCP forwarder that can hold back one connection's traffic: `holdUp(n)` buffers what the
 * nth connection sends to the broker until `release(n)`; `stallDown(n)` drops what the broker
 * sends to it from then on, leaving the socket open (a stalled link, not a cut one).
 */
interface StallProxy {
  readonly url: string;
  /** Called with each chunk sent to the broker on connection n (1-based). */
  onUp(fn: ((n: number, chunk: Buffer) => void) | null): void;
  /** Called with each chunk sent to the device on connection n. */
  onDown(fn: ((n: number, chunk: Buffer) => void) | null): void;
  holdUp(n: number): void;
  release(n: number): void;
  stallDown(n: number): void;
  close(): Promise<void>;
}

async function startStallProxy(port: number): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  const held = new Map<number, Buffer[] | null>();
  const stalled = new Set<number>();
  const upstreams = new Map<number, Socket>();
  let upHook: ((n: number, chunk: Buffer) => void) | null = null;
  let downHook: ((n: number, chunk: Buffer) => void) | null = null;
  let count = 0;
  const server: Server = createServer((client) => {
    const n = ++count;
    const upstream = connect(port, '127.0.0.1');
    upstreams.set(n, upstream);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      upHook?.(n, chunk);
      const buffer = held.get(n);
      if (buffer) buffer.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      downHook?.(n, chunk);
      if (!stalled.has(n)) client.write(chunk);
    });
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    onUp: (fn) => (upHook = fn),
    onDown: (fn) => (downHook = fn),
    holdUp: (n) => held.set(n, []),
    release: (n) => {
      const buffer = held.get(n);
      held.set(n, null);
      for (const chunk of buffer ?? []) upstreams.get(n)?.write(chunk);
    },
    stallDown: (n) => stalled.add(n),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

// Attack: an impatient user runs the same `stead call` in two terminals at once, on a link that
// stalls. Before the fix the second run took up or replaced the first one's journal entry while
// the first still waited, then removed it; the first run's advised rerun found no entry and
// bought again. Now a session's journal has a lock: one run at a time, the other is refused
// (CALL_IN_PROGRESS, exit 2, nothing sent), and the first run's rerun learns its own outcome.

describe("one run of a session at a time: an unknown outcome's rerun never runs the call again", () => {
  let dir: string;
  let broker: SteadBroker;
  let stall: StallProxy;

  test.beforeEach(async ({ tempDir, broker: started }) => {
    dir = tempDir;
    broker = started;
    stall = await startStallProxy(broker.port);
  });

  afterEach(async () => {
    await stall.close();
  });

  const args = (deadline: string): string[] =>
    ['call', '--broker', stall.url, '--journal', join(dir, 'journal'), '--deadline', deadline, 'toaster/shop-1', 'cli', 'buy', '["bread"]'];

  function run(deadline: string): Promise<RunResult> {
    const child = spawnStead(args(deadline));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return (once(child, 'exit') as Promise<[number | null]>).then(([code]) => ({ code, stdout, stderr }));
  }

  it('two runs of one command at once: the second is refused while the first runs, and buys once when run again', async () => {
    // Connection 1 is run B: hold its begin on the wire, so B is running (and holds the lock).
    let bBeginSeen!: () => void;
    const bBegin = new Promise<void>((resolve) => (bBeginSeen = resolve));
    let held = false;
    stall.onUp((n, chunk) => {
      if (n === 1 && !held && hasPublish(chunk, (topic) => topic.endsWith('/in'))) {
        held = true;
        stall.holdUp(1);
        bBeginSeen();
      }
    });
    const b = run('4000');
    await bBegin;
    const a = await run('2500');
    expect(a.code).toBe(EXIT.refused);
    expect(a.stderr).toContain('STEAD_E_CALL_IN_PROGRESS');
    stall.release(1);
    expect(await b).toMatchObject({ code: EXIT.answered, stdout: '1\n' });

    // A runs its command again once B is done: its own (first) purchase.
    stall.onUp(null);
    expect(await runStead(args('1500'))).toMatchObject({ code: EXIT.answered, stdout: '2\n' });
    const device = await connectDevice({ url: broker.url });
    try {
      // Two purchases were asked for (A once, B once), and two were made.
      expect(await device.session('toaster/shop-1', 'check').call('counters')).toEqual({ bread: 2 });
    } finally {
      await device.close();
    }
  });

  it('a run stalled after its call, resumed meanwhile by an impatient second run: the first run\'s advised rerun runs nothing new', async () => {
    // Connection 1 is run A: its link stalls right after the call's reply left the broker.
    let aReplies = 0;
    let aCallRan!: () => void;
    const aRan = new Promise<void>((resolve) => (aCallRan = resolve));
    stall.onDown((n, chunk) => {
      if (n === 1 && hasPublish(chunk, (topic) => topic.endsWith('/out')) && ++aReplies === 2) {
        stall.stallDown(1);
        aCallRan();
      }
    });
    const a = run('3000');
    await aRan;
    // The user, tired of waiting, runs the same command in another terminal: it takes up the
    // journalled call, prints its answer and ends the instance (removing the entry).
    const b = await runStead(args('1500'));
    // A still runs: B sends nothing and says so.
    expect(b.code).toBe(EXIT.refused);
    expect(b.stderr).toContain('STEAD_E_CALL_IN_PROGRESS');
    // A gives up: unknown, "run the same command again to learn its outcome".
    expect((await a).code).toBe(EXIT.unknown);
    stall.onDown(null);
    expect(await runStead(args('1500'))).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    const device = await connectDevice({ url: broker.url });
    try {
      // One purchase was asked for, by one command run three times.
      expect(await device.session('toaster/shop-1', 'check').call('counters')).toEqual({ bread: 1 });
    } finally {
      await device.close();
    }
  });
});
