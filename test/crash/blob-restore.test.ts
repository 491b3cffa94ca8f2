import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, vi } from 'vitest';
import { connectDevice, type Device } from '../../device/index.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { it } from '../helpers/fixtures.js';
import { runStead } from '../helpers/processes.js';
import { TEST_KEY } from '../helpers/test-key.js';

/**
 * DESIGN §7, §12: a `stead broker --blob-key` child process is killed with SIGKILL in the middle of
 * a run of calls and its SQLite file is lost with it; restarted on an empty file, it restores the
 * session from the device's sealed blob, and the count goes on with no call lost or run twice —
 * also when a phone's `stead call` reaches the new broker before the gadget does.
 */
describe('a broker killed with its store file lost restores from the device’s blob', () => {
  let broker: DurableBroker | undefined;
  let device: Device | undefined;

  afterEach(async () => {
    await device?.close();
    await broker?.close();
    broker = device = undefined;
  });

  it('N calls, kill -9 and lose the file, M calls: N + M, each answered in sequence', async ({ tempDir: dir }) => {
    const keyFile = join(dir, 'blob.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    broker = await startDurableBroker(['test/helpers/apps/blob-counter.ts'], ['--blob-key', keyFile]);
    device = await connectDevice({ url: broker.url, key: TEST_KEY, reconnect: { initialMs: 10, maxMs: 200 }, session: { blobDir: join(dir, 'blobs'), deadlineMs: 30_000 } });
    const counter = device.session('counter/gadget', 'main');
    for (let i = 1; i <= 10; i++) expect(await counter.call('inc')).toBe(i);
    // A call in flight as the broker dies: answered after the restore, exactly once.
    const inFlight = counter.call('inc');
    await broker.kill();
    for (const suffix of ['', '-wal', '-shm']) await rm(`${broker.file}${suffix}`, { force: true });
    await broker.start();
    broker.tcp.cut();
    const value = await inFlight;
    expect(value).toBe(11);
    await vi.waitFor(() => expect(counter.blobOutcome?.status).toBe('restored'), { timeout: 10_000, interval: 5 });
    for (let i = 12; i <= 15; i++) expect(await counter.call('inc')).toBe(i);
    expect(await counter.call('read')).toBe(15);
  });

  it('kill -9 and lose the file: a phone’s `stead call … read` that comes first waits for the gadget’s blob and is answered from it, never from the empty record', async ({ tempDir: dir }) => {
    const keyFile = join(dir, 'blob.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    broker = await startDurableBroker(['test/helpers/apps/blob-counter.ts'], ['--blob-key', keyFile]);
    device = await connectDevice({ url: broker.url, key: TEST_KEY, reconnect: { initialMs: 10, maxMs: 200 }, session: { blobDir: join(dir, 'blobs'), deadlineMs: 30_000 } });
    const counter = device.session('counter/gadget', 'main');
    for (let i = 1; i <= 5; i++) expect(await counter.call('inc')).toBe(i);
    await counter.blobsWritten();

    // The gadget cannot reach the new broker yet; the phone reaches it directly, first.
    broker.tcp.refuse(true);
    await broker.kill();
    for (const suffix of ['', '-wal', '-shm']) await rm(`${broker.file}${suffix}`, { force: true });
    await broker.start();
    const running = broker;
    const phone = runStead(['call', '--broker', running.process.url, '--journal', join(dir, 'journal'), '--deadline', '30000', 'counter/gadget', 'phone', 'read']);
    await vi.waitFor(() => expect(running.process.logs.some((line) => line.msg === 'proxy not in the store: requests wait for its blob keepers')).toBe(true), { timeout: 20_000, interval: 10 });

    running.tcp.refuse(false);
    const read = await phone;
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toBe(5);
    expect(counter.blobOutcome?.status).toBe('restored');
    expect(await counter.call('inc')).toBe(6);
  });
});
