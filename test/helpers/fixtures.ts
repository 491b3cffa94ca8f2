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
 *   logger) on a SQLite file in `tempDir` (see `sqliteIn`), closed after. `brokerOptions`
 *   changes it for a file or a `describe`: `test.override('brokerOptions', { apps: [notes] })`,
 *   or a function for parts made anew per test (`({ tempDir }) => ({ clock: … })`); a `store`
 *   there replaces the file.
 * - `device`: a device connected to `broker`, closed after; `deviceOptions` changes it likewise.
 */
export const test = base
  .extend('tempDir', async ({}, { onCleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), 'stead-test-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    return dir;
  })
  .extend('brokerOptions', {} as BrokerOptions)
  .extend('broker', async ({ tempDir, brokerOptions }, { onCleanup }) => {
    const broker = await startBroker({ ...(brokerOptions.store === undefined && sqliteIn(tempDir)), ...brokerOptions });
    onCleanup(() => broker.close());
    return broker;
  })
  .extend('deviceOptions', {} as Omit<DeviceOptions, 'url'>)
  .extend('device', async ({ broker, deviceOptions }, { onCleanup }) => {
    const device = await connectDevice({ ...deviceOptions, url: broker.url });
    onCleanup(() => device.close());
    return device;
  });

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
