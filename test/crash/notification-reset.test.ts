import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore, type SteadBroker, type Store } from '../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../device/index.js';
import notes from '../helpers/apps/notes-app.js';
import { startBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Arrivals } from '../helpers/wait.js';

const PROXY = 'notes/n';

/**
 * Hole 7: a notification queue that starts again — its proxy's record lost (a memory-store
 * broker restarted) or put back from an older copy — reuses seqs the device already handled.
 * The device must notice (the hello answer's epoch; a seq it already has, outside a resend) and
 * deliver the new queue from its start: every new notification once, in order, none skipped.
 */
describe('a notification queue that starts again', () => {
  const cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function broker(store?: Store): Promise<SteadBroker> {
    const started = await startBroker({ apps: [notes], ...(store ? { store } : {}) });
    cleanup.push(() => started.close());
    return started;
  }

  async function device(url: string): Promise<Device> {
    const connected = await connectDevice({ url, reconnect: { initialMs: 20, maxMs: 100 }, session: { retryMs: 50 } });
    cleanup.push(() => connected.close());
    return connected;
  }

  /** The watcher's session, collecting payloads in the order the app got them. */
  function watch(watcher: Device): { session: DeviceSession; received: Arrivals<unknown> } {
    const session = watcher.session(PROXY, 'watch');
    const received = new Arrivals<unknown>();
    session.onNotify((payload) => received.push(payload));
    return { session, received };
  }

  it('is delivered from its start after the broker behind the device’s URL was replaced (memory store)', async () => {
    const first = await broker();
    const tcp: TcpProxy = await startTcpProxy(first.port);
    cleanup.push(() => tcp.close());
    const watcher = await device(tcp.url);
    const { received } = watch(watcher);
    const before = await device(first.url);
    await before.session(PROXY, 'control').call('send', ['a1', 'a2', 'a3'], 'watch');
    expect(await received.count(3)).toEqual(['a1', 'a2', 'a3']);

    // The broker and its memory store go; a new one answers at the same URL, knowing nothing.
    await before.close();
    const disconnected = new Promise<void>((resolve) => watcher.once('disconnect', resolve));
    await first.close();
    await disconnected;
    const second = await broker();
    tcp.retarget(second.port);
    const control = (await device(second.url)).session(PROXY, 'control');
    await control.call('send', ['b1', 'b2', 'b3'], 'watch');
    await control.call('send', ['b4'], 'watch');

    expect(await received.count(7)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'b4']);
    // The watcher began a new instance in the new broker, so its acks count again.
    await expect.poll(() => control.call('outq', 'watch')).toEqual([]);
  });

  it('is delivered from its start when the record is lost while the device stays connected', async () => {
    const store = createMemoryStore();
    const running = await broker(store);
    const watcher = await device(running.url);
    const { received } = watch(watcher);
    const controls = await device(running.url);
    const control = controls.session(PROXY, 'control');
    await control.call('send', ['a1', 'a2', 'a3'], 'watch');
    expect(await received.count(3)).toEqual(['a1', 'a2', 'a3']);
    await expect.poll(() => control.call('outq', 'watch')).toEqual([]);

    // The stored record vanishes; the proxy's next commit conflicts and it reloads: nothing.
    await store.remove(PROXY);
    const after = controls.session(PROXY, 'after');
    await after.begin();
    await after.call('send', ['b1'], 'watch');
    await after.call('send', ['b2', 'b3'], 'watch');

    expect(await received.count(6)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect(watcher.connected).toBe(true);
    await expect.poll(() => after.call('outq', 'watch')).toEqual([]);
  });

  it('is delivered from its start when an older copy of the record is put back while the device stays connected', async () => {
    const store = createMemoryStore();
    const running = await broker(store);
    const watcher = await device(running.url);
    const { received } = watch(watcher);
    const controls = await device(running.url);
    const control = controls.session(PROXY, 'control');
    await control.call('send', ['a1', 'a2', 'a3'], 'watch');
    await expect.poll(() => control.call('outq', 'watch')).toEqual([]);
    const copy = await store.load(PROXY);
    if (!copy) throw new Error('no stored record');
    await control.call('send', ['a4', 'a5', 'a6'], 'watch');
    await expect.poll(() => control.call('outq', 'watch')).toEqual([]);
    expect(await received.count(6)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);

    // The copy from after a3 goes back in: the queue's next seq is 4 again, in the same epoch.
    await store.remove(PROXY);
    expect(await store.commit([{ key: PROXY, expectVersion: 0, record: copy.record, wakeAt: null }])).toEqual(['committed']);
    const after = controls.session(PROXY, 'after');
    await after.begin();
    await after.call('send', ['b1'], 'watch');
    await after.call('send', ['b2'], 'watch');

    expect(await received.count(8)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b1', 'b2']);
    expect(watcher.connected).toBe(true);
  });
});
