import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type Device } from '../../device/index.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind, Verb, type Frame } from '../../shared/wire/frames.js';
import { startDurableBroker, type DurableBroker } from '../helpers/durable-broker.js';
import { TEST_KEY } from '../helpers/test-key.js';
import { connectRaw, type RawClient } from '../helpers/raw-session.js';

const PROXY = 'toaster/vault';
const IN = 'stead/toaster/vault/raw/in';
const OUT = 'stead/toaster/vault/raw/out';

/** A SOURCE of `kitchen+<key>` under a given request ref. */
const sourceFrame = (ref: number, key: string): Uint8Array =>
  encodeFrame({ kind: Kind.resource, ref: new Uint8Array(8).fill(ref), seq: 1, answered: 0, verb: Verb.source, session: 'kitchen', key, value: null, options: null });

/**
 * DESIGN §6: a consumed once-only value is never returned twice, including across a broker
 * `kill -9` — the SOURCE that returns it commits the delete (and its answer, by ref) before the
 * answer leaves. A child broker on a SQLite file, killed with SIGKILL and restarted.
 */
describe('once-only resources across broker kill -9', () => {
  let broker: DurableBroker | undefined;
  let device: Device | undefined;
  let raw: RawClient | undefined;

  afterEach(async () => {
    await raw?.close();
    await device?.close();
    await broker?.close();
    raw = device = broker = undefined;
  });

  /** A raw MQTT client on the broker of now (a new one after each restart). */
  async function rawClient(url: string): Promise<RawClient> {
    await raw?.close();
    raw = await connectRaw(url, TEST_KEY);
    await raw.subscribe(OUT);
    return raw;
  }

  async function ask(url: string, ref: number, key: string): Promise<Frame> {
    const client = await rawClient(url);
    const answer = client.nextFrame(OUT, (f) => f.kind === Kind.reply && f.ref[0] === ref);
    await client.publish(IN, sourceFrame(ref, key));
    return answer;
  }

  it('a consumed value stays consumed after a crash; the request sent again gets its first answer', async () => {
    broker = await startDurableBroker(['test/helpers/apps/toaster.ts']);
    device = await connectDevice({ url: broker.url, key: TEST_KEY, reconnect: { initialMs: 20, maxMs: 200 } });
    const r = device.resources(PROXY, { deadlineMs: 20_000 });
    await r.sink('kitchen', 'a', 'first secret', { once: true });
    await r.sink('kitchen', 'b', 'second secret', { once: true });
    await r.sink('kitchen', 'plain', 'kept');

    expect(await r.source('kitchen', 'a')).toBe('first secret');
    expect(await ask(broker.url, 7, 'b')).toMatchObject({ value: 'second secret' });

    await broker.crash();

    // The device's client reconnects by itself; both consumptions were committed.
    expect(await r.source('kitchen', 'a')).toBeUndefined();
    expect(await r.exists('kitchen', 'b')).toBe(false);
    expect(await r.source('kitchen', 'plain')).toBe('kept');
    // The request whose answer may have been lost, sent again after the crash: the same answer,
    // kept in the committed record — a new request gets nothing.
    expect(await ask(broker.url, 7, 'b')).toMatchObject({ value: 'second secret' });
    expect(await ask(broker.url, 8, 'b')).toMatchObject({ value: undefined });
  });

  it('a burst of once-only reads cut by kill -9: every value returned at most once, none returned twice', async () => {
    broker = await startDurableBroker(['test/helpers/apps/toaster.ts']);
    device = await connectDevice({ url: broker.url, key: TEST_KEY, reconnect: { initialMs: 20, maxMs: 200 } });
    const r = device.resources(PROXY, { deadlineMs: 20_000 });
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const key of keys) await r.sink('kitchen', key, key, { once: true });
    // Each value is read by two readers at once, across a crash in the middle of the burst.
    const other = device.resources(PROXY, { deadlineMs: 20_000 });
    const reads = keys.flatMap((key) => [r.source('kitchen', key), other.source('kitchen', key)]);
    await broker.crash();
    const values = await Promise.all(reads);
    const returned = values.filter((v) => v !== undefined);
    expect(new Set(returned).size).toBe(returned.length);
    // Every request was answered (resent by ref until it was): each value went to exactly one reader.
    expect([...returned].sort()).toEqual([...keys].sort());
    for (const key of keys) expect(await r.exists('kitchen', key)).toBe(false);
  });
});
