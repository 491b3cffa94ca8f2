import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineProxy, type BrokerOptions, type SteadBroker } from '../../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../../device/index.js';
import { startBroker } from '../../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

/**
 * DESIGN §7, "a blob may never make things worse than no blob": the three sequences in which a
 * blob used to lose more than a blob-less device would have, each with a real broker whose store
 * is lost (a memory store restarted, or its SQLite file deleted) and real devices. The gadget keeps
 * blobs and reaches the broker through a TCP forwarder (cut, refused, retargeted at the new broker);
 * the phone keeps none and talks to the broker directly.
 */
const KEY = new Uint8Array(randomBytes(32));
const PROXY = 'keeper/gadget';

interface KeeperState {
  count: number;
  notes: number;
  ticks: number;
  pad: string;
}

/** The gadget counts, the phone takes notes, the pulse ticks: three ways to move one record. */
function keeperApp(options: { pulseMs?: number; graceMs?: number } = {}) {
  return defineProxy<KeeperState>({
    name: 'keeper',
    blobs: { graceMs: options.graceMs ?? 10_000 },
    init: () => ({ count: 0, notes: 0, ticks: 0, pad: '' }),
    methods: {
      inc: (ctx) => ++ctx.state.count,
      note: (ctx) => ++ctx.state.notes,
      read: (ctx) => ({ count: ctx.state.count, notes: ctx.state.notes }),
      /** Makes the record too large for one blob frame (`bytes` 0: small again). */
      pad: (ctx, bytes: number) => {
        ctx.state.pad = 'x'.repeat(bytes);
        return ++ctx.state.count;
      },
    },
    ...(options.pulseMs ? { pulse: { every: options.pulseMs, run: (ctx) => void ctx.state.ticks++ } } : {}),
  });
}

describe('a blob never makes things worse than no blob', () => {
  let dir: string;
  let tcp: TcpProxy | null = null;
  const brokers: SteadBroker[] = [];
  const devices: Device[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-blob-keepers-'));
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    for (const broker of brokers.splice(0)) await broker.close();
    await tcp?.close();
    tcp = null;
    await rm(dir, { recursive: true, force: true });
  });

  async function broker(options: BrokerOptions): Promise<SteadBroker> {
    const started = await startBroker({ blobKey: KEY, ...options });
    brokers.push(started);
    return started;
  }

  /** Closes a broker: with a memory store, everything it held is gone. */
  async function lose(old: SteadBroker, file?: string): Promise<void> {
    brokers.splice(brokers.indexOf(old), 1);
    await old.close();
    if (file) for (const suffix of ['', '-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
  }

  async function gadget(url: string): Promise<{ session: DeviceSession; errors: unknown[] }> {
    const d = await connectDevice({ url, reconnect: { initialMs: 10, maxMs: 50 }, session: { blobDir: join(dir, 'gadget') } });
    devices.push(d);
    const session = d.session(PROXY, 'main');
    const errors: unknown[] = [];
    session.onError((error) => errors.push(error));
    return { session, errors };
  }

  async function phone(url: string): Promise<Device> {
    const d = await connectDevice({ url, reconnect: { initialMs: 10, maxMs: 50 } });
    devices.push(d);
    return d;
  }

  const blobFile = (): Promise<Buffer> => readFile(join(dir, 'gadget', 'keeper~gadget~main.blob'));

  it('a blob that fell behind while the phone and the pulse moved the record on, then a store loss: every acknowledged call survives', async () => {
    const app = keeperApp({ pulseMs: 20 });
    const first = await broker({ apps: [app] });
    tcp = await startTcpProxy(first.port);
    const { session, errors } = await gadget(tcp.url);
    for (let i = 1; i <= 5; i++) expect(await session.call('inc')).toBe(i);
    await session.blobsWritten();
    const behind = await blobFile();

    // The gadget is away while the phone's calls and the pulse commit.
    tcp.refuse(true);
    tcp.cut();
    const notes = (await phone(first.url)).session(PROXY, 'phone');
    for (let i = 1; i <= 3; i++) expect(await notes.call('note')).toBe(i);

    // Back: its blob is older than the broker's copy. It is not deleted: the broker's current one replaces it.
    tcp.refuse(false);
    await vi.waitFor(() => expect(session.blobOutcome?.error?.code).toBe('STEAD_E_BLOB_STALE'), { timeout: 5000, interval: 5 });
    expect(errors).toContainEqual(expect.objectContaining({ code: 'STEAD_E_BLOB_STALE' }));
    await vi.waitFor(async () => expect((await blobFile()).equals(behind)).toBe(false), { timeout: 5000, interval: 5 });
    await session.blobsWritten();

    // The store is lost: the gadget's blob brings back the gadget's calls and the phone's.
    await lose(first);
    const second = await broker({ apps: [app] });
    tcp.retarget(second.port);
    tcp.cut();
    await vi.waitFor(() => expect(session.blobOutcome?.status).toBe('restored'), { timeout: 5000, interval: 5 });
    expect(await session.call('read')).toEqual({ count: 5, notes: 3 });
    expect(await session.call('inc')).toBe(6);
  });

  it('something else committing first after a store loss: it waits, the blob still restores, and the phone is answered from it', async () => {
    const file = join(dir, 'stead.db');
    const app = keeperApp({ pulseMs: 20 });
    const first = await broker({ apps: [app], store: `sqlite:${file}` });
    tcp = await startTcpProxy(first.port);
    const { session } = await gadget(tcp.url);
    for (let i = 1; i <= 5; i++) expect(await session.call('inc')).toBe(i);
    await session.blobsWritten();

    // The SQLite file is lost with the broker; the gadget is not back yet.
    tcp.refuse(true);
    tcp.cut();
    await lose(first, file);
    const second = await broker({ apps: [app], store: `sqlite:${file}` });
    tcp.retarget(second.port);

    // First after the loss: the phone's call (its begin), a resource write on another channel, and the pulse would be.
    const other = await phone(second.url);
    const read = other.session(PROXY, 'phone').call('read');
    const written = other.resources(PROXY, { channel: 'admin' }).sink('main', 'color', 'blue');
    await vi.waitFor(() => expect(second.metrics.get('blobs.waited')).toBeGreaterThanOrEqual(2), { timeout: 5000, interval: 5 });

    tcp.refuse(false);
    await vi.waitFor(() => expect(session.blobOutcome?.status).toBe('restored'), { timeout: 5000, interval: 5 });
    // Never answered from the empty record: the phone reads the gadget's five calls.
    expect(await read).toEqual({ count: 5, notes: 0 });
    await written;
    expect(await other.resources(PROXY, { channel: 'reader' }).source('main', 'color')).toBe('blue');
    expect(await session.call('inc')).toBe(6);
    expect(second.metrics.get('STEAD_E_BLOB_CONFLICT')).toBe(0);
  });

  it('without a keeper within the grace, the phone is answered from a new record', async () => {
    const b = await broker({ apps: [keeperApp({ graceMs: 100 })] });
    const other = await phone(b.url);
    expect(await other.session(PROXY, 'phone').call('note')).toBe(1);
    expect(b.metrics.get('blobs.waited')).toBeGreaterThanOrEqual(1);
  });

  it('a blob too large for a frame: the device keeps a marker, the restore says BLOB_PARTIAL, and no seq is skipped (OUTCOME_LOST)', async () => {
    const app = keeperApp();
    const first = await broker({ apps: [app] });
    tcp = await startTcpProxy(first.port);
    const { session, errors } = await gadget(tcp.url);
    for (let i = 1; i <= 3; i++) expect(await session.call('inc')).toBe(i);
    // Acknowledged calls whose blobs do not fit in a frame: a marker leaves in their place.
    expect(await session.call('pad', 70_000)).toBe(4);
    expect(await session.call('inc')).toBe(5);
    await session.blobsWritten();
    expect(first.metrics.get('blobs.too_large')).toBeGreaterThanOrEqual(2);
    await readFile(join(dir, 'gadget', 'keeper~gadget~main.marker'));

    await lose(first);
    const second = await broker({ apps: [app] });
    tcp.retarget(second.port);
    tcp.cut();
    await vi.waitFor(() => expect(session.blobOutcome?.status).toBe('partial'), { timeout: 5000, interval: 5 });
    expect(session.blobOutcome?.error?.code).toBe('STEAD_E_BLOB_PARTIAL');
    expect(errors).toContainEqual(expect.objectContaining({ code: 'STEAD_E_BLOB_PARTIAL' }));
    expect(second.metrics.get('blobs.restored')).toBe(1);

    // The device holds replies up to seq 5; the restored copy ends at seq 3: never skipped past.
    await expect(session.call('read')).rejects.toMatchObject({ code: 'STEAD_E_OUTCOME_LOST' });
    // The next call begins a new instance, on the state the blob held: said, not silent.
    expect(await session.call('read')).toEqual({ count: 3, notes: 0 });
    // The restore's commit sent a blob that fits: the marker is gone with the older blob.
    await session.blobsWritten();
    await expect(readFile(join(dir, 'gadget', 'keeper~gadget~main.marker'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
