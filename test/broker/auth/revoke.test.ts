import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { KeyRegistry, openStore, type SteadBroker, type Store } from '../../../broker/index.js';
import { connectDevice } from '../../../device/index.js';
import type { DeviceKey } from '../../../shared/identity/index.js';
import { it, test } from '../../helpers/fixtures.js';
import { attempt, closed, grantNewKey, keyed } from '../../helpers/keys.js';

/** DESIGN §7: revoking a key closes its live connections within 1 s, wherever the revoke was made. */
describe('revoking a key', () => {
  test.override('brokerOptions', ({ tempDir }) => ({ store: `sqlite:${join(tempDir, 'stead.db')}`, auth: {} }));
  let dir: string;
  let broker: SteadBroker;
  let key: DeviceKey;
  let second: Store | null = null;

  test.beforeEach(async ({ tempDir, broker: started }) => {
    dir = tempDir;
    broker = started;
    key = await grantNewKey(broker, 'dev1');
  });

  afterEach(async () => {
    await second?.close();
    second = null;
  });

  const connected = async () => {
    const result = await attempt(broker.url, keyed(key));
    if (!result.client) throw new Error(`refused ${result.code}`);
    return result.client;
  };

  it('through the broker closes its connections at once; other keys stay', async () => {
    const other = await grantNewKey(broker, 'dev2');
    const victim = await connected();
    const bystander = await attempt(broker.url, keyed(other));
    const gone = closed(victim);
    const started = Date.now();
    expect(await broker.auth.keys?.revoke('dev1')).toBe(true);
    await gone;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(bystander.client?.connected).toBe(true);
    expect(broker.metrics.get('auth.closed_revoked')).toBe(1);
    await bystander.client?.endAsync(true);
  });

  it('on the same store from another connection (as `stead keys revoke` does) closes them within 1 s', async () => {
    const device = await connectDevice({ url: broker.url, key, reconnect: { initialMs: 20, maxMs: 50 } });
    try {
      const raw = await connected();
      const gone = Promise.all([closed(raw), new Promise<void>((resolve) => device.once('disconnect', () => resolve()))]);
      second = await openStore(`sqlite:${join(dir, 'stead.db')}`, { role: 'registry' });
      const started = Date.now();
      expect(await new KeyRegistry(second).revoke('dev1')).toBe(true);
      await gone;
      expect(Date.now() - started).toBeLessThan(1000);
      // The device tries again with fresh tokens and is refused each time.
      await new Promise<void>((resolve) => device.once('refused', () => resolve()));
      expect(broker.metrics.get('auth.refused.revoked')).toBeGreaterThan(0);
    } finally {
      await device.close();
    }
  });

  it('a new key for the same device replaces the old one: the old key’s connections close', async () => {
    const victim = await connected();
    const gone = closed(victim);
    const fresh = await grantNewKey(broker, 'dev1');
    await gone;
    const result = await attempt(broker.url, keyed(fresh));
    expect(result.code).toBe(0);
    await result.client?.endAsync(true);
    expect((await attempt(broker.url, keyed(key))).code).toBe(5);
  });
});
