import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import type { Device, DeviceSession } from '../../device/index.js';
import notes from '../helpers/apps/notes-app.js';
import { it, test } from '../helpers/fixtures.js';
import { spawnScript, type ScriptProcess } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const NOTES_DEVICE = fileURLToPath(new URL('../helpers/notes-device.ts', import.meta.url));
const PROXY = 'notes/n';
const COUNT = 120;

/**
 * Where each kill lands: right after a notification was handled, as its ack was about to reach
 * the broker (the ack is lost); or anywhere, a few milliseconds after a notification was handled.
 */
type KillMoment = 'ack lost' | 'random';
const KILLS: readonly KillMoment[] = ['ack lost', 'random', 'ack lost', 'random', 'ack lost'];

/** True when a PUBLISH in the chunk carries an ack frame (`[4, nonce, seq]`: bytes 83 04). */
function carriesAck(chunk: Buffer): boolean {
  for (let at = 0; at < chunk.length; ) {
    const first = chunk[at] as number;
    let length = 0;
    let i = at + 1;
    for (let shift = 0; i < chunk.length && i < at + 5; i++, shift += 7) {
      length += ((chunk[i] as number) & 0x7f) << shift;
      if (((chunk[i] as number) & 0x80) === 0) break;
    }
    const body = i + 1;
    if (first >> 4 === 3 && body + 2 <= chunk.length) {
      const payload = body + 2 + chunk.readUInt16BE(body) + ((first >> 1) & 3 ? 2 : 0);
      if (chunk[payload] === 0x83 && chunk[payload + 1] === 0x04) return true;
    }
    at = body + length;
  }
  return false;
}

/** A random delay in [0, max) ms: where the kill lands is random on purpose. */
const randomDelay = (max: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * max));

/**
 * Hole 6 (DESIGN §12: device crash): a device process that handled a notification and died
 * before its ack gets it again. Killed with SIGKILL again and again mid-stream, a device that
 * commits each effect with its position (app-owned cursor) has every effect exactly once; one
 * that lets the session keep a file cursor has each at least once, and at most the notification
 * in flight at each kill twice. Notifications are queued before and while the device is down.
 */
describe('notifications across device kill -9', () => {
  let broker: SteadBroker;
  let device: Device;
  let control: DeviceSession;
  let tcp: TcpProxy;
  let dir: string;
  const children: ScriptProcess[] = [];

  test.override('brokerOptions', { apps: [notes] });

  test.beforeEach(async ({ broker: started, device: connected, tempDir }) => {
    broker = started;
    tcp = await startTcpProxy(broker.port);
    device = connected;
    control = device.session(PROXY, 'control');
    dir = tempDir;
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await tcp.close();
  });

  const send = (from: number, to: number): Promise<unknown> =>
    control.call('send', Array.from({ length: to - from }, (_, i) => from + i), 'watch');

  /** Kills the device at the given moment, a few notifications into its run. */
  async function killAt(child: ScriptProcess, moment: KillMoment): Promise<void> {
    const handled = 3 + Math.floor(Math.random() * 8);
    await child.line(() => child.lines.length >= handled);
    if (moment === 'random') {
      await randomDelay(3);
      return child.kill();
    }
    await new Promise<void>((resolve) =>
      tcp.interceptUpstream((chunk) => {
        if (!carriesAck(chunk)) return false;
        tcp.refuse(true);
        resolve();
        return true;
      }),
    );
    await child.kill();
    tcp.interceptUpstream(null);
    tcp.refuse(false);
  }

  /** Runs the device, kills it at each of KILLS, then lets it finish. */
  async function runWithKills(file: string, mode: 'app-owned' | 'file-cursor'): Promise<void> {
    await send(0, COUNT / 2);
    for (let k = 0; k <= KILLS.length; k++) {
      const child = spawnScript(NOTES_DEVICE, [tcp.url, PROXY, 'watch', file, mode]);
      children.push(child);
      if (k === 2) await send(COUNT / 2, COUNT);
      const moment = KILLS[k];
      if (moment) await killAt(child, moment);
    }
  }

  it(`with the app-owned cursor, each of ${COUNT} effects is on disk exactly once after ${KILLS.length} kills`, async () => {
    const file = join(dir, 'journal.json');
    await runWithKills(file, 'app-owned');
    const effects = async (): Promise<unknown[]> => (JSON.parse(await readFile(file, 'utf8')) as { effects: unknown[] }).effects;
    await expect.poll(async () => (await effects()).length, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(COUNT);
    expect(await effects()).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // And the queue is empty: the last run acknowledged everything.
    await expect.poll(() => control.call('outq', 'watch'), { timeout: 5_000 }).toEqual([]);
  }, 90_000);

  it(`with a file cursor, each of ${COUNT} effects is on disk at least once, and at most one more per kill`, async () => {
    const file = join(dir, 'effects.jsonl');
    await runWithKills(file, 'file-cursor');
    const effects = async (): Promise<number[]> =>
      (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as number);
    await expect.poll(async () => new Set(await effects()).size, { timeout: 20_000, interval: 50 }).toBe(COUNT);
    await expect.poll(() => control.call('outq', 'watch'), { timeout: 5_000 }).toEqual([]);
    const all = await effects();
    expect([...new Set(all)]).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(all.length - COUNT).toBeLessThanOrEqual(KILLS.length);
    // A repeat is the notification in flight at a kill, handled again right after the restart.
    all.forEach((value, i) => {
      if (all.indexOf(value) !== i) expect(all[i - 1]).toBe(value);
    });
  }, 90_000);
});
