import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from 'vitest';
import type { BrokerOptions } from '../../broker/index.js';
import { connectDevice, type DeviceOptions } from '../../device/index.js';
import { startBroker } from './broker.js';

/**
 * The parts most tests stand on, as vitest fixtures: each is made when a test (or a test-level
 * hook) names it, and undone after the test in reverse order (device, broker, folder).
 *
 * - `tempDir`: a fresh folder under the OS temp dir, removed with its contents after.
 * - `broker`: a real broker (as `startBroker`: loopback, port 0, the test apps, a silent
 *   logger) on a SQLite file in a folder of its own (see `sqliteIn`; not in `tempDir`, which
 *   stays the test's), closed after, the folder removed. `brokerOptions`
 *   changes it for a file or a `describe`: `test.override('brokerOptions', { apps: [notes] })`,
 *   or a function for parts made anew per test (`({ tempDir }) => ({ clock: … })`); a `store`
 *   there replaces the file.
 * - `device`: a device connected to `broker`, closed after; `deviceOptions` changes it likewise.
 */
export const test = base
  .extend('tempDir', async ({}, { onCleanup }) => {
    const dir = await makeTempDir();
    onCleanup(() => removeDir(dir));
    return dir;
  })
  .extend('brokerOptions', {} as BrokerOptions)
  .extend('broker', async ({ brokerOptions }, { onCleanup }) => {
    const dir = brokerOptions.store === undefined ? await makeTempDir() : null;
    const removeOwnDir = async (): Promise<void> => {
      if (dir !== null) await removeDir(dir);
    };
    const broker = await startBroker({ ...(dir !== null && sqliteIn(dir)), ...brokerOptions }).catch(async (error: unknown) => {
      await removeOwnDir();
      throw error;
    });
    onCleanup(async () => {
      await broker.close();
      await removeOwnDir();
    });
    return broker;
  })
  .extend('deviceOptions', {} as Omit<DeviceOptions, 'url'>)
  .extend('device', async ({ broker, deviceOptions }, { onCleanup }) => {
    const device = await connectDevice({ ...deviceOptions, url: broker.url });
    onCleanup(() => device.close());
    return device;
  });

function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'stead-test-'));
}

function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/**
 * The broker fixture's store: SQLite on a file of the test's own, with every operation on the
 * main thread. The same SQL on the same kind of file, fsync included; without the worker thread,
 * whose start (a thread, the TypeScript loader, the addon: over a second on a busy machine) a
 * broker's close waits for, which would cost every test that second.
 */
function sqliteIn(dir: string): Pick<BrokerOptions, 'store' | 'storeOptions'> {
  return { store: `sqlite:${join(dir, 'stead.db')}`, storeOptions: { worker: false } };
}

/** The same as `test`, for files that say `it`. */
export const it = test;
