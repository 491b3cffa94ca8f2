import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type Device } from '../../device/index.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { hasPublish } from '../helpers/mqtt-packets.js';
import { spawnScript, type ScriptProcess } from '../helpers/processes.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { TEST_KEY } from '../helpers/test-key.js';

const SPREE = fileURLToPath(new URL('../helpers/spree-device.ts', import.meta.url));
const SHOP = 'toaster/shop';
const COUNT = 60;

/**
 * Where the kill lands: anywhere (a random moment, usually inside a call); after a request left
 * the device but before it reached the broker; after the broker committed but before the reply
 * reached the device.
 */
type KillMoment = 'random' | 'request lost' | 'reply lost';
const KILLS: readonly KillMoment[] = ['random', 'request lost', 'reply lost', 'random'];

interface Run {
  begun: { memento: unknown; crashed: boolean };
  /** index → reply, for every buy the run printed as committed. */
  committed: Map<number, unknown>;
}

/** Parses what one run of the spree device printed. */
function parseRun(lines: readonly string[]): Run {
  const run: Run = { begun: { memento: undefined, crashed: false }, committed: new Map() };
  for (const line of lines) {
    const [word, index, reply] = line.split(' ');
    if (word === 'begun') run.begun = JSON.parse(line.slice('begun '.length)) as Run['begun'];
    if (word === 'committed' && index && reply) run.committed.set(Number(index), JSON.parse(reply));
  }
  return run;
}

/** A random delay in [0, max) ms: the random kill moment is random on purpose. */
const randomDelay = (max: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * max));

/**
 * DESIGN §12: device crash mid-call. The device is its own process, killed with SIGKILL in the
 * middle of a spree; started again it gets `crashed: true` and the memento (the index of its last
 * committed buy), and resumes right after it: no duplicate, no gap.
 */
describe('device kill -9 mid-spree', () => {
  let broker: DurableBroker | undefined;
  let device: Device | undefined;
  const children: ScriptProcess[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await device?.close();
    device = undefined;
    await broker?.close();
    broker = undefined;
  });

  /** Kills the spree device at the given kind of moment, a few buys after it resumed. */
  async function killAt(child: ScriptProcess, tcp: TcpProxy, moment: KillMoment): Promise<void> {
    const { begun } = parseRun([await child.line((line) => line.startsWith('begun '))]);
    const first = typeof begun.memento === 'number' ? begun.memento + 1 : 0;
    const after = first + Math.floor(Math.random() * 10);
    await child.line((line) => line.startsWith(`committed ${after} `));
    if (moment === 'random') {
      await randomDelay(5);
      return child.kill();
    }
    // Cut at the next request (upstream) or reply (downstream) and let nothing through after it.
    const cut = new Promise<void>((resolve) => {
      const filter = (chunk: Buffer): boolean => {
        if (!hasPublish(chunk)) return false;
        tcp.refuse(true);
        resolve();
        return true;
      };
      if (moment === 'request lost') tcp.interceptUpstream(filter);
      else tcp.interceptDownstream(filter);
    });
    await cut;
    await child.kill();
    tcp.interceptUpstream(null);
    tcp.interceptDownstream(null);
    tcp.refuse(false);
  }

  it(`a device killed ${KILLS.length} times resumes after its memento: the counter is exactly ${COUNT}`, async () => {
    broker = await startDurableBroker(['test/helpers/apps/toaster.ts']);
    const runs: Run[] = [];
    for (let k = 0; k <= KILLS.length; k++) {
      const child = spawnScript(SPREE, [broker.url, SHOP, 'kitchen', 'toast', String(COUNT)]);
      children.push(child);
      const moment = KILLS[k];
      if (moment) {
        await killAt(child, broker.tcp, moment);
      } else {
        expect(await child.exited).toBe(0);
        expect(child.lines.at(-1)).toBe('done');
      }
      runs.push(parseRun(child.lines));
    }

    expect(runs[0]?.begun).toEqual({ memento: null, crashed: false });
    KILLS.forEach((moment, k) => {
      const [killed, next] = [runs[k] as Run, runs[k + 1] as Run];
      // The killed run never ended; the memento is its last committed index: the last one it
      // printed, or the one after it if the kill fell between commit and print (window 1).
      expect(next.begun.crashed).toBe(true);
      const printed = Math.max(...killed.committed.keys());
      const memento = next.begun.memento as number;
      if (moment === 'request lost') expect(memento).toBe(printed);
      else if (moment === 'reply lost') expect(memento).toBe(printed + 1);
      else expect([printed, printed + 1]).toContain(memento);
      expect(Math.min(...next.committed.keys())).toBe(memento + 1);
    });
    // Every buy's reply is the counter right after it: no index ran twice.
    for (const run of runs) for (const [index, reply] of run.committed) expect(reply).toBe(index + 1);
    device = await connectDevice({ url: broker.url, key: TEST_KEY });
    expect(await device.session(SHOP, 'auditor').call('counters')).toEqual({ toast: COUNT });
  }, 60_000);
});
