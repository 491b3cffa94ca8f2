import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { openStore } from '../../broker/index.js';
import { codeOfAsync } from '../helpers/errors.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, grantNewKey, keyed } from '../helpers/keys.js';

/**
 * The replay cache and the registry under attack (docs/identity.md, threats):
 * - a token captured before a restart, or used on another broker of the same store, is refused
 *   (`before_start`): the cache lives in one process, the start time does not need to;
 * - one key cannot fill the cache: past its share it alone is refused (`replay_key_full`), and the
 *   admin role gets in even when the cache is full;
 * - a revoked key stays revoked: granting it again is BAD_KEY.
 * The honest device calls throughout, its counter exact.
 */
const NOT_AUTHORIZED = 5;

describe('replays across restarts and brokers, the cache share, revoked keys', () => {
  const clients: MqttClient[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function connectCode(url: string, options: IClientOptions): Promise<number> {
    const result = await attempt(url, options);
    if (result.client) clients.push(result.client);
    return result.code;
  }

  async function brokerWith(options: Parameters<typeof startBroker>[0]): Promise<SteadBroker> {
    const broker = await startBroker(options);
    cleanups.push(() => broker.close());
    return broker;
  }

  it('a token used before a restart is refused after it (before_start); fresh tokens are not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stead-replay-restart-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = `sqlite:${join(dir, 'stead.db')}`;
    const first = await startBroker({ store, auth: { startSlackMs: 0 } });
    const mallory = await grantNewKey(first, 'mallory');
    const captured = keyed(mallory, 'mallory/captured');
    expect(await connectCode(first.url, captured)).toBe(0);
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await first.close();
    const second = await brokerWith({ store, auth: { startSlackMs: 0 } });
    const honest = await HonestDevice.start(second);
    expect(await connectCode(second.url, captured)).toBe(NOT_AUTHORIZED);
    expect(second.metrics.get('auth.refused.before_start')).toBe(1);
    expect(await connectCode(second.url, keyed(mallory, 'mallory/fresh'))).toBe(0);
    await honest.stop(3);
  });

  it('a token used on one broker is refused by a second broker of the same store started after it', async () => {
    const store = await openStore('memory:');
    const first = await brokerWith({ store, auth: { startSlackMs: 0 } });
    const mallory = await grantNewKey(first, 'mallory');
    const captured = keyed(mallory, 'mallory/captured');
    expect(await connectCode(first.url, captured)).toBe(0);
    const second = await brokerWith({ store, auth: { startSlackMs: 0 } });
    const honest = await HonestDevice.start(second);
    expect(await connectCode(second.url, captured)).toBe(NOT_AUTHORIZED);
    expect(second.metrics.get('auth.refused.before_start')).toBe(1);
    await honest.stop(3);
  });

  it('one key past its share of the cache is refused alone; others and the admin still get in', async () => {
    const broker = await brokerWith({ auth: { replayPerKey: 20, replayCacheSize: 30 } });
    const honest = await HonestDevice.start(broker);
    const mallory = await grantNewKey(broker, 'mallory');
    const eve = await grantNewKey(broker, 'eve');
    const admin = await grantNewKey(broker, 'ops', { role: 'admin' });
    for (let i = 0; i < 20; i++) expect(await connectCode(broker.url, keyed(mallory, `mallory/${i}`))).toBe(0);
    expect(await connectCode(broker.url, keyed(mallory, 'mallory/over'))).toBe(NOT_AUTHORIZED);
    expect(broker.metrics.get('auth.refused.replay_key_full')).toBe(1);
    // The honest device's own share is untouched (it used one nonce to connect).
    expect(await connectCode(broker.url, keyed(honest.key, 'honest/second'))).toBe(0);
    // Eve fills what is left of the cache: then keys are refused, the admin role is not.
    let eveIn = 0;
    while ((await connectCode(broker.url, keyed(eve, `eve/${eveIn}`))) === 0) eveIn++;
    expect(broker.metrics.get('auth.refused.replay_cache_full')).toBe(1);
    expect(await connectCode(broker.url, keyed(admin, 'ops/in'))).toBe(0);
    await honest.stop(3);
  });

  it('a revoked key stays revoked: granting it again is BAD_KEY, and its tokens are refused', async () => {
    const broker = await brokerWith({ auth: {} });
    const honest = await HonestDevice.start(broker);
    const mallory = await grantNewKey(broker, 'mallory', { proxies: ['toaster/*'] });
    const keys = broker.auth.keys;
    if (!keys) throw new Error('no registry');
    await keys.revoke('mallory');
    expect(await codeOfAsync(() => keys.grant('mallory', { publicKey: mallory.publicKey }))).toBe('STEAD_E_BAD_KEY');
    expect(await codeOfAsync(() => keys.grant('mallory', { publicKey: mallory.publicKey, role: 'admin' }))).toBe('STEAD_E_BAD_KEY');
    expect(await codeOfAsync(() => keys.grant('mallory-2', { publicKey: mallory.publicKey }))).toBe('STEAD_E_BAD_KEY');
    expect(await connectCode(broker.url, keyed(mallory))).toBe(NOT_AUTHORIZED);
    expect(broker.metrics.get('auth.refused.revoked')).toBe(1);
    // A new key for the device starts afresh: none of the old grants come back.
    const fresh = await grantNewKey(broker, 'mallory');
    expect((await keys.list()).find((k) => k.device === 'mallory')).toMatchObject({ proxies: ['*/{device}'], revokedAt: null });
    expect(await connectCode(broker.url, keyed(fresh))).toBe(0);
    await honest.stop(3);
  });
});
