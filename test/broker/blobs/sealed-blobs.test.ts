import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, vi } from 'vitest';
import type { BrokerOptions, SteadBroker } from '../../../broker/index.js';
import { BlobSeal } from '../../../broker/record/blob-seal.js';
import { decodeRecord } from '../../../broker/record/record-codec.js';
import { connectDevice, type Device, type DeviceSession } from '../../../device/index.js';
import { decodeFrame, decodeValue, encodeCall, encodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import { blobCounter } from '../../helpers/apps/blob-counter.js';
import { startBroker } from '../../helpers/broker.js';
import { it, test } from '../../helpers/fixtures.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const KEY = new Uint8Array(randomBytes(32));
const PROXY = 'counter/kitchen';

/** A plain MQTT client on a session's topics: sends raw frames, collects the frames sent back. */
async function rawSession(url: string, proxy: string, session: string) {
  const client = await mqtt.connectAsync(url, { clean: true });
  const out = `stead/${proxy}/${session}/out`;
  await client.subscribeAsync(out, { qos: 1 });
  const frames: ReturnType<typeof decodeFrame>[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (_topic, payload) => {
    frames.push(decodeFrame(payload));
    for (const wake of waiters.splice(0)) wake();
  });
  const answerTo = async (ref: Uint8Array) => {
    for (;;) {
      const frame = frames.find((f) => (f.kind === Kind.reply || f.kind === Kind.error) && f.ref !== null && Buffer.from(f.ref).equals(ref));
      if (frame) return frame;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    /** Presents a blob; the status the proxy answers, or the error code. */
    async present(blob: Uint8Array | null): Promise<string> {
      const ref = new Uint8Array(randomBytes(8));
      await client.publishAsync(`stead/${proxy}/${session}/in`, encodeFrame({ kind: Kind.blob, ref, blob }), { qos: 1 });
      const frame = await answerTo(ref);
      return frame.kind === Kind.reply ? String(frame.value) : frame.kind === Kind.error ? frame.code : 'unexpected';
    },
    /** Sends a call frame as a device would (its retry) and returns the reply value. */
    async call(nonce: Uint8Array, seq: number, method: string): Promise<unknown> {
      await client.publishAsync(`stead/${proxy}/${session}/in`, encodeCall(nonce, seq, 0, method, []), { qos: 1 });
      for (;;) {
        const frame = frames.find((f) => f.kind === Kind.reply && f.seq === seq && Buffer.from(f.ref).equals(nonce));
        if (frame && frame.kind === Kind.reply) return frame.value;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => client.endAsync(),
  };
}

describe('sealed session blobs', () => {
  let dir: string;
  let tcp: TcpProxy | null = null;
  const brokers: SteadBroker[] = [];
  const devices: Device[] = [];

  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    for (const broker of brokers.splice(0)) await broker.close();
    await tcp?.close();
    tcp = null;
  });

  async function broker(options: BrokerOptions = {}): Promise<SteadBroker> {
    const started = await startBroker({ apps: [blobCounter()], blobKey: KEY, ...options });
    brokers.push(started);
    return started;
  }

  async function device(url: string, blobDir = join(dir, 'device')): Promise<{ device: Device; session: DeviceSession }> {
    const d = await connectDevice({ url, reconnect: { initialMs: 10, maxMs: 50 }, session: { blobDir } });
    devices.push(d);
    return { device: d, session: d.session(PROXY, 'kitchen') };
  }

  /** The blob file the device keeps, once every blob received is on disk. */
  async function keptBlob(session: DeviceSession): Promise<Uint8Array> {
    await session.blobsWritten();
    return new Uint8Array(await readFile(join(dir, 'device', 'counter~kitchen~kitchen.blob')));
  }

  /** N calls, the broker loses everything, M calls: N + M, and an answered call retried is answered from the restored cache. */
  async function restartsAndContinues(restart: (old: SteadBroker) => Promise<SteadBroker>): Promise<void> {
    const first = await broker(brokerStore());
    tcp = await startTcpProxy(first.port);
    const { session } = await device(tcp.url);
    for (let i = 1; i <= 5; i++) expect(await session.call('inc')).toBe(i);
    await keptBlob(session);
    const nonce = session.nonce as Uint8Array;
    const answeredSeq = session.nextSeq - 1;

    brokers.splice(brokers.indexOf(first), 1);
    const second = await restart(first);
    tcp.retarget(second.port);
    tcp.cut();
    // The device reconnects and presents its blob ahead of everything else: the proxy restores.
    await vi.waitFor(() => expect(session.blobOutcome?.status).toBe('restored'), { timeout: 5000, interval: 5 });
    // The same instance's last answered call sent again: the restored reply cache answers it.
    const raw = await rawSession(tcp.url, PROXY, 'kitchen');
    expect(await raw.call(nonce, answeredSeq, 'inc')).toBe(5);
    await raw.close();
    expect(await session.call('inc')).toBe(6);
    for (let i = 7; i <= 8; i++) expect(await session.call('inc')).toBe(i);
    expect(await session.call('read')).toBe(8);
    expect(second.metrics.get('blobs.restored')).toBe(1);
  }

  let storeFile: string | null = null;
  const brokerStore = (): BrokerOptions => (storeFile ? { store: `sqlite:${storeFile}` } : {});

  it('a memory-store broker restarted (all state gone): the device restores from its blob and continues exactly once', async () => {
    storeFile = null;
    await restartsAndContinues(async (old) => {
      await old.close();
      return broker();
    });
  });

  it('a SQLite broker whose file was lost: the same', async () => {
    storeFile = join(dir, 'stead.db');
    try {
      await restartsAndContinues(async (old) => {
        await old.close();
        for (const suffix of ['', '-wal', '-shm']) await rm(`${storeFile}${suffix}`, { force: true });
        return broker({ store: `sqlite:${storeFile}` });
      });
    } finally {
      storeFile = null;
    }
  });

  it('the device process dies too: its next begin, on the restored copy, says crashed and returns the memento', async () => {
    const first = await broker();
    tcp = await startTcpProxy(first.port);
    const before = await device(tcp.url);
    for (let n = 1; n <= 3; n++) expect(await before.session.call('step', n)).toBe(n);
    await keptBlob(before.session);
    // The device process goes without an end; the broker and its memory store go too.
    await before.device.close();
    devices.splice(devices.indexOf(before.device), 1);
    brokers.splice(brokers.indexOf(first), 1);
    await first.close();
    const second = await broker();
    tcp.retarget(second.port);

    const after = await device(tcp.url);
    expect(await after.session.begin()).toEqual({ memento: 3, crashed: true });
    expect(after.session.blobOutcome?.status).toBe('restored');
    expect(await after.session.call('step', 4)).toBe(4);
  });

  describe('refusals, each with its code; nothing is restored', () => {
    it('a tampered byte: BLOB_TAMPERED', async () => {
      const b = await broker();
      const { session } = await device(b.url);
      await session.call('inc');
      const blob = await keptBlob(session);
      blob[blob.length - 5] = (blob[blob.length - 5] as number) ^ 0x01;
      const raw = await rawSession(b.url, PROXY, 'kitchen');
      expect(await raw.present(blob)).toBe('STEAD_E_BLOB_TAMPERED');
      await raw.close();
    });

    it('another proxy, another session, another broker key: BLOB_FOREIGN', async () => {
      const b = await broker();
      const { session } = await device(b.url);
      await session.call('inc');
      const blob = await keptBlob(session);
      const otherProxy = await rawSession(b.url, 'counter/hall', 'kitchen');
      expect(await otherProxy.present(blob)).toBe('STEAD_E_BLOB_FOREIGN');
      await otherProxy.close();
      const otherSession = await rawSession(b.url, PROXY, 'garden');
      expect(await otherSession.present(blob)).toBe('STEAD_E_BLOB_FOREIGN');
      await otherSession.close();
      const otherKey = await broker({ blobKey: new Uint8Array(randomBytes(32)) });
      const elsewhere = await rawSession(otherKey.url, PROXY, 'kitchen');
      expect(await elsewhere.present(blob)).toBe('STEAD_E_BLOB_FOREIGN');
      await elsewhere.close();
    });

    it('an app version with other methods: BLOB_FOREIGN', async () => {
      const b = await broker();
      const { session } = await device(b.url);
      await session.call('inc');
      const blob = await keptBlob(session);
      const changed = await broker({ apps: [{ ...blobCounter(), blobs: { ...blobCounter().blobs!, surface: new Uint8Array(32) } }] });
      const raw = await rawSession(changed.url, PROXY, 'kitchen');
      expect(await raw.present(blob)).toBe('STEAD_E_BLOB_FOREIGN');
      await raw.close();
    });

    it('past its expiry: BLOB_EXPIRED', async () => {
      const clock = new ManualClock(Date.now());
      const b = await broker({ apps: [blobCounter('counter', 60_000)], clock });
      const { session } = await device(b.url);
      await session.call('inc');
      const blob = await keptBlob(session);
      clock.advance(60_000);
      const raw = await rawSession(b.url, PROXY, 'kitchen');
      expect(await raw.present(blob)).toBe('STEAD_E_BLOB_EXPIRED');
      await raw.close();
    });

    it('older than the broker’s copy: BLOB_STALE, and the state is not rolled back', async () => {
      const b = await broker();
      const { session } = await device(b.url);
      await session.call('inc');
      const old = await keptBlob(session);
      await session.call('inc');
      expect(Buffer.from(await keptBlob(session)).equals(old)).toBe(false);
      const raw = await rawSession(b.url, PROXY, 'kitchen');
      expect(await raw.present(old)).toBe('STEAD_E_BLOB_STALE');
      expect(await raw.present(await keptBlob(session))).toBe('current');
      await raw.close();
      expect(await session.call('read')).toBe(2);
    });
  });

  it('a device whose kept blob is refused tells onError, goes on from the broker’s copy, and keeps the blob until the proxy’s current one replaces it', async () => {
    const b = await broker();
    const first = await device(b.url);
    await first.session.call('inc');
    const blob = await keptBlob(first.session);
    await first.device.close();
    devices.splice(devices.indexOf(first.device), 1);
    blob[blob.length - 1] = (blob[blob.length - 1] as number) ^ 0xff;
    await writeFile(join(dir, 'device', 'counter~kitchen~kitchen.blob'), blob);

    const errors: unknown[] = [];
    const d = await connectDevice({ url: b.url, session: { blobDir: join(dir, 'device') } });
    devices.push(d);
    const session = d.session(PROXY, 'kitchen');
    session.onError((error) => errors.push(error));
    expect(await session.call('inc')).toBe(2);
    expect(session.blobOutcome?.error?.code).toBe('STEAD_E_BLOB_TAMPERED');
    expect(errors).toEqual([expect.objectContaining({ code: 'STEAD_E_BLOB_TAMPERED' })]);
    // The refusal came after the proxy's current blob, and the begin and the call committed: the device keeps the newest.
    const kept = await keptBlob(session);
    expect(Buffer.from(kept).equals(blob)).toBe(false);
    const raw = await rawSession(b.url, PROXY, 'kitchen');
    expect(await raw.present(kept)).toBe('current');
    await raw.close();
  });

  it('once-only resources, kept resource answers and secret fields never enter a blob', async () => {
    const b = await broker();
    const { session } = await device(b.url);
    expect(await session.call('setup')).toBe(true);
    const blob = await keptBlob(session);
    const contents = new BlobSeal(KEY).open(blob, {
      proxy: PROXY, session: 'kitchen', surface: (blobCounter().blobs as { surface: Uint8Array }).surface, now: Date.now(),
    });
    const record = decodeRecord(contents.record);
    expect(decodeValue(record.stateBytes)).toEqual({ count: 0 });
    const kitchen = record.sessions.get('kitchen');
    expect(kitchen?.resources.has('otp')).toBe(false);
    expect(kitchen?.resources.get('color')?.value).toBe('blue');
    expect(record.resourceAnswers ?? []).toEqual([]);
    // The broker's own copy still has them.
    const raw = await rawSession(b.url, PROXY, 'kitchen');
    expect(await raw.present(blob)).toBe('current');
    await raw.close();
  });

  it('a broker without a blob key refuses to start an app that keeps blobs', async () => {
    await expect(startBroker({ apps: [blobCounter()] })).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });

  it('a device whose blob no broker can take keeps it: a refusal never deletes a blob', async () => {
    const b = await broker();
    const first = await device(b.url);
    await first.session.call('inc');
    const blob = await keptBlob(first.session);
    await first.device.close();
    devices.splice(devices.indexOf(first.device), 1);
    // A broker of another key, whose proxy never commits: nothing newer comes to replace the blob.
    const other = await broker({ blobKey: new Uint8Array(randomBytes(32)) });
    const d = await connectDevice({ url: other.url, session: { blobDir: join(dir, 'device'), autoBegin: false } });
    devices.push(d);
    const session = d.session(PROXY, 'kitchen');
    const errors: unknown[] = [];
    session.onError((error) => errors.push(error));
    await vi.waitFor(() => expect(session.blobOutcome?.error?.code).toBe('STEAD_E_BLOB_FOREIGN'), { timeout: 5000, interval: 5 });
    expect(errors).toEqual([expect.objectContaining({ code: 'STEAD_E_BLOB_FOREIGN' })]);
    expect(Buffer.from(await keptBlob(session)).equals(blob)).toBe(true);
  });

  it('a device that keeps no blobs gets none (on a new proxy, after the keepers’ grace)', async () => {
    const b = await broker({ apps: [blobCounter('counter', undefined, 50)] });
    const d = await connectDevice({ url: b.url });
    devices.push(d);
    const plain = d.session(PROXY, 'kitchen');
    const errors: unknown[] = [];
    plain.onError((error) => errors.push(error));
    expect(await plain.call('inc')).toBe(1);
    expect(await plain.call('inc')).toBe(2);
    expect(errors).toEqual([]);
  });
});
