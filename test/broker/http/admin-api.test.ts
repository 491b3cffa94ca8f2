import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { brokerStatus, inspectProxy, openStore, type SteadBroker } from '../../../broker/index.js';
import { AdminCredential } from '../../../broker/http/admin-credential.js';
import { connectDevice, type Device } from '../../../device/index.js';
import timers from '../../helpers/apps/timers.js';
import { codeOf } from '../../helpers/errors.js';
import { startBroker } from '../../helpers/broker.js';
import { it } from '../../helpers/fixtures.js';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';

describe('admin API: stead status and stead proxy inspect as functions', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const part of open.splice(0).reverse()) await part.close();
  });
  const start = async (options: Parameters<typeof startBroker>[0] = {}): Promise<{ broker: SteadBroker; admin: { broker: string; token: string } }> => {
    const broker = await startBroker({ http: '127.0.0.1:0', adminToken: TOKEN, ...options });
    open.push(broker);
    return { broker, admin: { broker: broker.http?.url ?? '', token: TOKEN } };
  };
  const device = async (url: string): Promise<Device> => {
    const connected = await connectDevice({ url });
    open.push(connected);
    return connected;
  };

  it('reports connections, proxies, calls, p99, errors and the store of a broker under calls', async () => {
    const { broker, admin } = await start();
    const d = await device(broker.url);
    const shops = [1, 2, 3].map((i) => d.session(`toaster/shop-${i}`, 'kitchen'));
    for (let round = 0; round < 4; round++) await Promise.all(shops.map((s) => s.call('buy', 'bread')));
    await expect(shops[0]?.call('nope')).rejects.toMatchObject({ code: 'STEAD_E_UNKNOWN_METHOD' });

    const status = await brokerStatus(admin);
    expect(status).toMatchObject({
      mqtt: broker.url,
      connections: 1,
      proxiesLive: 3,
      proxiesLoaded: 3,
      sessions: 3,
      callsTotal: 13,
      errors: { STEAD_E_UNKNOWN_METHOD: 1 },
      store: { url: 'memory:', healthy: true, pendingWrites: 0 },
    });
    expect(status.callsPerSecond).toBeGreaterThan(0);
    expect(status.commitsPerSecond).toBeGreaterThan(0);
    expect(status.p99Seconds).toBeGreaterThan(0);
    expect(status.store.lastCommitAt).toBeGreaterThan(0);
  });

  it('inspects a live proxy: sessions with a nonce fingerprint, seqs, reply cache, queues, timers, last commit', async () => {
    const { broker, admin } = await start({ apps: [timers] });
    const d = await device(broker.url);
    const kitchen = d.session('timers/t1', 'kitchen');
    await kitchen.begin();
    const now = (await kitchen.call('schedule', [60_000, 120_000], 'watcher')) as number;
    await kitchen.call('read');
    await d.session('timers/t1', 'watcher').begin();

    const view = await inspectProxy({ ...admin, proxy: 'timers/t1' });
    expect(view).toMatchObject({ key: 'timers/t1', source: 'live', inbox: 0, held: 0, gateBacklog: 0 });
    expect(view.timers).toEqual([
      { at: now + 60_000, method: 'fire' },
      { at: now + 120_000, method: 'fire' },
    ]);
    expect(view.lastCommitAt).toBeGreaterThan(0);
    const [k, w] = view.sessions;
    expect(k).toMatchObject({ name: 'kitchen', lastSeq: 2, queueDepth: 0 });
    // Replies the device has confirmed are pruned; the last one stays.
    expect(k?.replyCache).toBeGreaterThanOrEqual(1);
    expect(w).toMatchObject({ name: 'watcher', lastSeq: 0 });
    // The nonce never leaves the broker: only 8 hex digits of its hash do.
    expect(k?.nonce).toMatch(/^[0-9a-f]{8}$/);
    const nonceHex = Buffer.from(kitchen.nonce ?? []).toString('hex');
    expect(JSON.stringify(view)).not.toContain(nonceHex.slice(0, 8));
    expect(k?.nonce).not.toBe(w?.nonce);
  });

  it('inspects a proxy that is not live from the store', async ({ tempDir }) => {
    const url = `sqlite:${join(tempDir, 'stead.db')}`;
    const first = await startBroker({ store: url });
    const d = await connectDevice({ url: first.url });
    await d.session('toaster/stored', 'kitchen').call('buy', 'bread');
    await d.close();
    await first.close();

    const { admin } = await start({ store: await openStore(url).then((store) => (open.push(store), store)) });
    const view = await inspectProxy({ ...admin, proxy: 'toaster/stored' });
    expect(view).toMatchObject({ key: 'toaster/stored', source: 'store', version: 2, inbox: null, gateBacklog: null });
    expect(view.sessions).toMatchObject([{ name: 'kitchen', lastSeq: 1, replyCache: 1 }]);
  });

  it.each([
    ['an unknown proxy', 'toaster/nobody', 'STEAD_E_UNKNOWN_PROXY'],
    ['a bad address', 'Toaster/x', 'STEAD_E_INVALID_NAME'],
  ])('refuses %s with its code', async (_name, proxy, code) => {
    const { admin } = await start();
    await expect(inspectProxy({ ...admin, proxy })).rejects.toMatchObject({ code });
  });

  it('refuses a wrong token, and every admin request when no token is configured', async () => {
    const { admin } = await start();
    await expect(brokerStatus({ ...admin, token: 'wrong' })).rejects.toMatchObject({ code: 'STEAD_E_REFUSED' });
    await expect(brokerStatus({ ...admin, token: '' })).rejects.toMatchObject({ code: 'STEAD_E_REFUSED' });
    const bare = await startBroker({ http: '127.0.0.1:0' });
    open.push(bare);
    await expect(brokerStatus({ broker: bare.http?.url ?? '', token: '' })).rejects.toMatchObject({ code: 'STEAD_E_REFUSED' });
    // /metrics and /healthz stay open to scrapers and probes.
    expect((await fetch(`${bare.http?.url}/metrics`)).status).toBe(200);
  });

  it('says UNREACHABLE when nothing listens', async () => {
    const { broker, admin } = await start();
    const gone = admin.broker;
    await broker.close();
    await expect(brokerStatus({ broker: gone, token: TOKEN })).rejects.toMatchObject({ code: 'STEAD_E_UNREACHABLE' });
  });
});

describe('AdminCredential', () => {
  const SECRET = 's'.repeat(32);

  it('matches only the configured token, whatever the length of the guess', () => {
    const admin = new AdminCredential(SECRET);
    expect(admin.matches(SECRET)).toBe(true);
    for (const guess of ['', 's', `${SECRET} `, 'S'.repeat(32), 'x'.repeat(1000)]) expect(admin.matches(guess)).toBe(false);
    expect(new AdminCredential(undefined).matches('')).toBe(false);
  });

  it('refuses a token shorter than 32 characters (BAD_OPTIONS)', () => {
    expect(codeOf(() => new AdminCredential('s'.repeat(31)))).toBe('STEAD_E_BAD_OPTIONS');
  });

  it('gives a session cookie for the right token; an address past five wrong ones waits, with backoff; others do not', () => {
    let now = 1_000_000;
    const admin = new AdminCredential(SECRET, () => now);
    expect(admin.login(SECRET, 'a')).toMatch(/^stead_admin=[0-9a-f]{48}; HttpOnly; SameSite=Strict; Path=\//);
    for (let i = 0; i < 6; i++) expect(admin.login(`guess-${i}`, 'a')).toBeNull();
    expect(admin.login(SECRET, 'a')).toBe('throttled');
    // Another address (the admin's own browser) is not held up by this one's guesses.
    expect(admin.login(SECRET, 'b')).toMatch(/^stead_admin=/);
    now += 1000;
    expect(admin.login('guess-7', 'a')).toBeNull();
    now += 1000;
    // The second wait is twice the first.
    expect(admin.login(SECRET, 'a')).toBe('throttled');
    now += 1000;
    expect(admin.login(SECRET, 'a')).toMatch(/^stead_admin=/);
  });
});
