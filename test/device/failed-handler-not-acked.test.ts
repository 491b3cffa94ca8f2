import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice, fileCursor, writeFileAtomic, type Device, type NotificationInfo, type NotificationOptions } from '../../device/index.js';
import notes from '../helpers/apps/notes-app.js';
import { it, test } from '../helpers/fixtures.js';

const PROXY = 'notes/n';

// Attack: a notification handler whose own durable effect fails (its write throws: here a real
// ENOTDIR, as on a broken disk). docs/sessions.md: the file cursor is saved "after the handlers
// of a notification returned and before its ack", and the app-owned mode is "exactly once, as far
// as the app's write is atomic". A handler that threw did not return, and its atomic write left
// nothing on disk; yet the session saves the file cursor past it and acknowledges it, so the proxy
// forgets it: after a restart of the device it never comes again. A committed notification is
// lost, in both modes, even when the app stops at its first failure.

interface Mode {
  options(): Promise<NotificationOptions>;
  /** The handler's durable effect for a notification; `broken` makes its write fail. */
  commit(payload: string, info: NotificationInfo, broken: boolean): Promise<void>;
}

describe('a notification whose handler threw is not acknowledged: it comes again after a restart', () => {
  test.override('brokerOptions', { apps: [notes] });
  let broker: SteadBroker;
  let dir: string;
  const devices: Device[] = [];

  test.beforeEach(async ({ broker: started, tempDir }) => {
    broker = started;
    dir = tempDir;
    await writeFile(join(dir, 'blocker'), 'a file where a folder should be');
  });

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.close()));
  });

  /** A path whose write fails with ENOTDIR: a real I/O error. */
  const brokenPath = (): string => join(dir, 'blocker', 'effect');

  const fileCursorMode = (): Mode => ({
    options: async () => ({ cursor: fileCursor(join(dir, 'cursor.json')) }),
    commit: async (payload, _info, broken) => writeFile(broken ? brokenPath() : join(dir, `effect-${payload}`), payload),
  });

  /** As docs/sessions.md shows: effects and position in one atomic write. */
  const appOwnedMode = (): Mode => {
    const path = join(dir, 'app.json');
    return {
      options: async () => {
        const saved = await readFile(path, 'utf8').then((text) => JSON.parse(text) as { epoch: string; seq: number }, () => null);
        return { resumeAfter: saved && { epoch: new Uint8Array(Buffer.from(saved.epoch, 'hex')), seq: saved.seq } };
      },
      commit: async (payload, info, broken) => {
        const previous = await readFile(path, 'utf8').then((text) => JSON.parse(text) as { effects: string[] }, () => ({ effects: [] }));
        const next = { effects: [...previous.effects, payload], epoch: Buffer.from(info.epoch).toString('hex'), seq: info.seq };
        await writeFileAtomic(broken ? brokenPath() : path, JSON.stringify(next));
      },
    };
  };

  it.each([
    ['the file cursor', fileCursorMode],
    ['an app-owned position', appOwnedMode],
  ])('with %s', async (_name, makeMode) => {
    const mode = makeMode();
    const first = await connectDevice({ url: broker.url });
    devices.push(first);
    const control = first.session(PROXY, 'control');
    await control.call('send', ['a', 'b', 'c'], 'watch');

    // The first run: b's write fails; a careful app stops there (every later handler throws too).
    const handled: string[] = [];
    let failed = false;
    let sawFailure!: () => void;
    const failure = new Promise<void>((resolve) => (sawFailure = resolve));
    const watch = first.session(PROXY, 'watch');
    watch.onNotify(async (payload, info) => {
      if (failed) throw new Error('stopped after a failed write');
      try {
        await mode.commit(payload as string, info, payload === 'b');
      } catch (error) {
        failed = true;
        sawFailure();
        throw error;
      }
      handled.push(payload as string);
    }, await mode.options());
    await failure;
    await watch.notificationsSettled();
    // Let the session's ack timer (0 ms, armed when delivery settled) run, then a call on the same
    // connection: the proxy has seen any ack by the time the call is answered.
    await new Promise((resolve) => setTimeout(resolve, 1));
    await control.call('outq', 'watch');
    expect(handled).toEqual(['a']);
    await first.close();

    // Restarted, the disk repaired: b (and c) must come again.
    const second = await connectDevice({ url: broker.url });
    devices.push(second);
    await second.session(PROXY, 'control').call('send', ['d'], 'watch');
    const again: string[] = [];
    let sawD!: () => void;
    const reachedD = new Promise<void>((resolve) => (sawD = resolve));
    second.session(PROXY, 'watch').onNotify(async (payload, info) => {
      await mode.commit(payload as string, info, false);
      again.push(payload as string);
      if (payload === 'd') sawD();
    }, await mode.options());
    await reachedD;
    expect(again).toEqual(['b', 'c', 'd']);
  });
});
