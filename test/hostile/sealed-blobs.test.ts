import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect } from 'vitest';
import type { BrokerOptions, SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../device/index.js';
import type { DeviceKey } from '../../shared/identity/index.js';
import { createTopics } from '../../shared/topics.js';
import { decodeFrame, encodeFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import { blobCounter } from '../helpers/apps/blob-counter.js';
import toaster from '../helpers/apps/toaster.js';
import { startBroker } from '../helpers/broker.js';
import { it, test } from '../helpers/fixtures.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { grantNewKey, keyed } from '../helpers/keys.js';
import { ManualClock } from '../helpers/manual-clock.js';

/**
 * Issue 8, hostile input: tampered, old, expired and foreign sealed session blobs presented by an
 * authenticated device (DESIGN §7), each refused with its typed error and counted by code, while
 * an honest device calls `toaster/honest` (test/helpers/honest-device.ts) and the broker stays up.
 */
const topics = createTopics();
const BLOB_KEY = new Uint8Array(randomBytes(32));
const PROXY = 'counter/mallory';

describe('sealed blobs (issue 8): refused with their codes while an honest device calls', () => {
  let dir: string;
  let broker: SteadBroker;
  let honest: HonestDevice;
  let key: DeviceKey;
  const closers: (() => Promise<unknown>)[] = [];

  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(options: BrokerOptions = {}): Promise<void> {
    broker = await startBroker({ auth: {}, blobKey: BLOB_KEY, apps: [toaster, blobCounter('counter', 60_000)], ...options });
    closers.push(() => broker.close());
    honest = await HonestDevice.start(broker);
    closers.push(() => honest.device.close());
    key = await grantNewKey(broker, 'mallory');
  }

  /** Mallory's own device on her own proxy, keeping blobs: one call, then the blob she was given. */
  async function malloryBlob(): Promise<{ session: DeviceSession; blob: () => Promise<Uint8Array> }> {
    const device: Device = await connectDevice({ url: broker.url, key, session: { blobDir: dir } });
    closers.push(() => device.close());
    const session = device.session(PROXY, 'kitchen');
    await session.call('inc');
    const blob = async (): Promise<Uint8Array> => {
      await session.blobsWritten();
      return new Uint8Array(await readFile(join(dir, 'counter~mallory~kitchen.blob')));
    };
    return { session, blob };
  }

  /** Presents a blob on a session of Mallory's proxy; the status or error code answered. */
  async function present(blob: Uint8Array, session = 'kitchen'): Promise<string> {
    const client: MqttClient = await mqtt.connectAsync(broker.url, { ...keyed(key), reconnectPeriod: 0 });
    try {
      await client.subscribeAsync(topics.outbound('counter', 'mallory', session), { qos: 1 });
      const ref = new Uint8Array(randomBytes(8));
      const answer = new Promise<string>((resolve) => {
        client.on('message', (_topic, payload) => {
          const frame = decodeFrame(payload);
          if ((frame.kind === Kind.reply || frame.kind === Kind.error) && frame.ref && Buffer.from(frame.ref).equals(ref)) {
            resolve(frame.kind === Kind.reply ? String(frame.value) : frame.code);
          }
        });
      });
      await client.publishAsync(topics.inbound('counter', 'mallory', session), encodeFrame({ kind: Kind.blob, ref, blob }), { qos: 1 });
      return await answer;
    } finally {
      await client.endAsync(true);
    }
  }

  it('a tampered blob (bits flipped anywhere) is refused BLOB_TAMPERED or BLOB_FOREIGN, counted; nothing restored', async () => {
    await start();
    const { session, blob } = await malloryBlob();
    const good = await blob();
    for (const at of [good.length - 1, good.length - 20, 40, 12]) {
      const bad = Uint8Array.from(good);
      bad[at] = (bad[at] as number) ^ 0x10;
      // The clear header's key id decides FOREIGN; any other byte breaks the seal.
      expect(['STEAD_E_BLOB_TAMPERED', 'STEAD_E_BLOB_FOREIGN']).toContain(await present(bad));
    }
    expect(broker.metrics.get('STEAD_E_BLOB_TAMPERED')).toBeGreaterThanOrEqual(3);
    expect(await session.call('read')).toBe(1);
    await honest.stop(3);
  });

  it('an old blob (older than the broker copy) is refused BLOB_STALE, counted; the state is not rolled back', async () => {
    await start();
    const { session, blob } = await malloryBlob();
    const old = await blob();
    await session.call('inc');
    expect(await present(old)).toBe('STEAD_E_BLOB_STALE');
    expect(broker.metrics.get('STEAD_E_BLOB_STALE')).toBe(1);
    expect(await session.call('read')).toBe(2);
    await honest.stop(3);
  });

  it('an expired blob is refused BLOB_EXPIRED, counted', async () => {
    const clock = new ManualClock(Date.now());
    await start({ clock });
    const { blob } = await malloryBlob();
    const kept = await blob();
    clock.advance(60_000);
    expect(await present(kept)).toBe('STEAD_E_BLOB_EXPIRED');
    expect(broker.metrics.get('STEAD_E_BLOB_EXPIRED')).toBe(1);
    await honest.stop(3);
  });

  it('a foreign blob (another session of the proxy, another broker key) is refused BLOB_FOREIGN, counted', async () => {
    await start();
    const { blob } = await malloryBlob();
    const kept = await blob();
    expect(await present(kept, 'garden')).toBe('STEAD_E_BLOB_FOREIGN');
    const sealedElsewhere = Uint8Array.from(kept);
    // The key id (bytes 1..8 of the clear header) names another broker's key.
    for (let i = 1; i <= 8; i++) sealedElsewhere[i] = (sealedElsewhere[i] as number) ^ 0xff;
    expect(await present(sealedElsewhere)).toBe('STEAD_E_BLOB_FOREIGN');
    expect(broker.metrics.get('STEAD_E_BLOB_FOREIGN')).toBe(2);
    await honest.stop(3);
  });
});
