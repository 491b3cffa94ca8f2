import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SteadBroker } from '../../../broker/index.js';
import { decodeRecord } from '../../../broker/record/record-codec.js';
import { createTopics } from '../../../shared/topics.js';
import { encodeFrame, helloFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import { startBroker } from '../../helpers/broker.js';
import { asReply, connectRaw, RawSession, type RawClient } from '../../helpers/raw-session.js';

const topics = createTopics();

/**
 * DESIGN §4: a session is made by a begin (or by app code or a resource write naming it), never
 * by a hello. A hello for a session the proxy does not keep is answered with no queue and makes
 * nothing: made-up names (more than the proxy's session limit of them) neither take the session
 * slots real clients need nor reach the store with the next commit, so they are gone after a
 * restart too. A real broker on a SQLite file, restarted on it; the hellos are raw frames.
 */
describe('hellos for sessions never begun', () => {
  let dir: string;
  let broker: SteadBroker | null = null;
  let raw: RawClient | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-hellos-'));
  });

  afterEach(async () => {
    await raw?.close();
    await broker?.close();
    raw = broker = null;
    await rm(dir, { recursive: true, force: true });
  });

  // A smaller session limit than the default 1,024 (the same hole, in fewer frames).
  const limits = { maxSessionsPerProxy: 64 };
  const start = async (): Promise<SteadBroker> => (broker = await startBroker({ store: await openStore(`sqlite:${join(dir, 'stead.db')}`), limits }));

  it('take no session slot and reach no store: a new session begins, before and after a restart', async () => {
    await start();
    raw = await connectRaw((broker as SteadBroker).url);
    const madeUp = limits.maxSessionsPerProxy + 16;
    // Two of them are watched: answered with no queue (no epoch), nothing queued.
    const watched = [0, madeUp - 1].map((i) => topics.outbound('toaster', 'shop', `made-up-${i}`));
    for (const topic of watched) await raw.subscribe(topic);
    await Promise.all(Array.from({ length: madeUp }, (_, i) =>
      (raw as RawClient).publish(topics.inbound('toaster', 'shop', `made-up-${i}`), encodeFrame(helloFrame(0, 'attacker', null, null)))));

    // Frames run in order per proxy: this begin comes after every hello.
    const kitchen = await RawSession.open((broker as SteadBroker).url, 'toaster/shop', 'kitchen');
    const { nonce } = await kitchen.begin();
    expect(asReply(await kitchen.call(nonce, 1, 'buy', ['bread'])).value).toBe(1);
    await kitchen.close();
    for (const topic of watched) expect(raw.frames(topic)).toMatchObject([{ kind: Kind.hello, acked: 0, epoch: null }]);

    await raw.close();
    raw = null;
    await (broker as SteadBroker).close();
    await start();
    const phone = await RawSession.open((broker as SteadBroker).url, 'toaster/shop', 'phone');
    const begun = await phone.begin();
    expect(asReply(await phone.call(begun.nonce, 1, 'buy', ['bread'])).value).toBe(2);
    await phone.close();
    await (broker as SteadBroker).close();
    broker = null;

    const store = await openStore(`sqlite:${join(dir, 'stead.db')}`);
    try {
      const stored = await store.load('toaster/shop');
      expect([...decodeRecord(stored?.record ?? new Uint8Array()).sessions.keys()].sort()).toEqual(['kitchen', 'phone']);
    } finally {
      await store.close();
    }
  });
});
