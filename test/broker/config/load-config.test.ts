import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBrokerConfig, parseBrokerConfig, startBroker, withOverrides } from '../../../broker/index.js';

const BASE = '/etc/stead';

describe('parseBrokerConfig', () => {
  it.each<[string, unknown, string[]]>([
    ['a limit of 0', { limits: { maxInbox: 0 } }, ['limits.maxInbox']],
    ['a reply cache smaller than the window', { limits: { replyCacheSize: 4, maxWindow: 8 } }, ['limits.replyCacheSize']],
    ['an HTTP address that is not host:port', { http: { listen: 'nonsense' } }, ['http.listen']],
    ['an admin token under 16 characters', { http: { listen: ':0', adminToken: 'short' } }, ['http.adminToken']],
    ['a limit as a string', { limits: { maxInbox: '5' } }, ['limits.maxInbox']],
    ['a limit that is not whole', { limits: { methodTimeoutMs: 1.5 } }, ['limits.methodTimeoutMs']],
    ['a misspelt limit', { limits: { maxInbx: 5 } }, ['limits.maxInbx']],
    ['an unknown section', { colour: 'red' }, ['colour']],
    ['apps not an array', { apps: './app.ts' }, ['apps']],
    ['an empty app path', { apps: ['./a.ts', ''] }, ['apps.1']],
    ['a store of the wrong type', { store: 42 }, ['store']],
    ['store options not an object', { store: { url: 'memory:', options: [] } }, ['store.options']],
    ['a bad topic root', { root: 'a/#' }, ['root']],
    ['a port out of range', { listeners: [{ port: 70000 }] }, ['listeners.0.port']],
    ['an unknown protocol', { listeners: [{ protocol: 'http' }] }, ['listeners.0.protocol']],
    ['a TLS listener without files', { listeners: [{}, { protocol: 'mqtts' }] }, ['listeners.1.cert', 'listeners.1.key']],
    ['no listener', { listeners: [] }, ['listeners']],
    ['a bad log level', { logLevel: 'loud' }, ['logLevel']],
    ['an idle TTL of 0', { sessions: { idleTtlMs: 0 } }, ['sessions.idleTtlMs']],
    ['publishCommits not a boolean', { events: { publishCommits: 'yes' } }, ['events.publishCommits']],
    ['not an object', [], ['(top level)']],
  ])('refuses %s with BAD_CONFIG naming the field', (_name, data, fields) => {
    expect(() => parseBrokerConfig(data, BASE)).toThrow(expect.objectContaining({ code: 'STEAD_E_BAD_CONFIG', data: { fields } }));
  });

  it('checks a file with the options’ own schema: the same values given to startBroker are BAD_OPTIONS naming the same fields', async () => {
    const bad = { limits: { maxInbox: 0, replyCacheSize: 4, maxWindow: 8 }, root: 'a/#', auth: { clockWindowMs: -1 } };
    const fields = ['auth.clockWindowMs', 'limits.maxInbox', 'limits.replyCacheSize', 'root'];
    const refusal = async (attempt: () => unknown): Promise<{ code: unknown; fields: string[] }> => {
      try {
        await attempt();
      } catch (error) {
        const { code, data } = error as { code: unknown; data: { fields: string[] } };
        return { code, fields: [...data.fields].sort() };
      }
      throw new Error('not refused');
    };
    expect(await refusal(() => parseBrokerConfig(bad, BASE))).toEqual({ code: 'STEAD_E_BAD_CONFIG', fields });
    expect(await refusal(() => startBroker(bad))).toEqual({ code: 'STEAD_E_BAD_OPTIONS', fields });
  });

  it('names every bad field at once', () => {
    expect(() => parseBrokerConfig({ limits: { maxInbox: -1 }, root: '' }, BASE)).toThrow(
      expect.objectContaining({ data: { fields: ['limits.maxInbox', 'root'] } }),
    );
  });

  it('resolves relative paths against the file\'s folder, and leaves absolute paths and packages alone', () => {
    const options = parseBrokerConfig(
      {
        apps: ['./apps/shop', '/opt/apps/hello.ts'],
        store: { url: 'sqlite:./data/stead.db', modules: ['./my-store.js', 'stead-store-redis'], options: { worker: false } },
        listeners: [{ protocol: 'mqtts', port: 8883, cert: 'tls/cert.pem', key: '/keys/key.pem' }],
        limits: { maxInbox: 5 },
        root: 'plant/one',
        logLevel: 'debug',
      },
      BASE,
    );
    expect(options).toEqual({
      apps: ['/etc/stead/apps/shop', '/opt/apps/hello.ts'],
      store: 'sqlite:./data/stead.db',
      storeOptions: { worker: false },
      storeModules: ['/etc/stead/my-store.js', 'stead-store-redis'],
      // The store URL is the store's to read: its factory resolves a path against this folder.
      storeBaseDir: BASE,
      listeners: [{ protocol: 'mqtts', port: 8883, cert: '/etc/stead/tls/cert.pem', key: '/keys/key.pem' }],
      limits: { maxInbox: 5 },
      root: 'plant/one',
      logLevel: 'debug',
    });
  });

  it('takes the session idle TTL and commit publishing', () => {
    expect(parseBrokerConfig({ sessions: { idleTtlMs: 86_400_000 }, events: { publishCommits: true } }, BASE)).toEqual({ sessionIdleTtlMs: 86_400_000, publishCommits: true });
  });

  it('takes a store given as its URL alone', () => {
    expect(parseBrokerConfig({ store: 'memory:' }, BASE)).toEqual({ store: 'memory:', storeBaseDir: BASE });
  });
});

describe('loadBrokerConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and resolves against its folder', async () => {
    await writeFile(join(dir, 'stead.json'), JSON.stringify({ apps: ['./app.ts'] }));
    expect(await loadBrokerConfig(join(dir, 'stead.json'))).toEqual({ apps: [join(dir, 'app.ts')] });
  });

  it.each([
    ['a missing file', null],
    ['a file that is not JSON', '{ "apps": [ '],
  ])('refuses %s with BAD_CONFIG', async (_name, text) => {
    const file = join(dir, `case-${Math.random()}.json`);
    if (text !== null) await writeFile(file, text);
    await expect(loadBrokerConfig(file)).rejects.toMatchObject({ code: 'STEAD_E_BAD_CONFIG' });
  });
});

describe('withOverrides (flags over the file, the file over defaults)', () => {
  it('replaces a field given, keeps the others', () => {
    expect(withOverrides({ root: 'a', apps: ['/x.ts'] }, { root: 'b' })).toEqual({ root: 'b', apps: ['/x.ts'] });
    expect(withOverrides({ root: 'a' }, { root: undefined })).toEqual({ root: 'a' });
  });

  it('replaces the store whole, its options and folder with it; adds store modules', () => {
    const file = { store: 'filestore:./data', storeOptions: { fsync: false }, storeBaseDir: BASE, storeModules: ['/etc/stead/s.js'] };
    expect(withOverrides(file, { store: 'memory:', storeModules: ['/home/m.js'] })).toEqual({
      store: 'memory:',
      storeOptions: undefined,
      storeBaseDir: undefined,
      storeModules: ['/etc/stead/s.js', '/home/m.js'],
    });
  });

  it('merges listeners by protocol: a flag changes the file\'s listener of its protocol or adds one', () => {
    const file = { listeners: [{ protocol: 'mqtt' as const, port: 1883 }, { protocol: 'mqtts' as const, port: 8883, cert: '/c', key: '/k' }] };
    expect(withOverrides(file, { listeners: [{ protocol: 'mqtts', port: 0 }, { protocol: 'ws', port: 0 }] }).listeners).toEqual([
      { protocol: 'mqtt', port: 1883 },
      { protocol: 'mqtts', port: 0, cert: '/c', key: '/k' },
      { protocol: 'ws', port: 0 },
    ]);
  });

  it('sets the host of every listener', () => {
    const file = { listeners: [{ protocol: 'mqtt' as const, host: '10.0.0.1' }, { protocol: 'ws' as const }] };
    expect(withOverrides(file, { host: '0.0.0.0' }).listeners).toEqual([
      { protocol: 'mqtt', host: '0.0.0.0' },
      { protocol: 'ws', host: '0.0.0.0' },
    ]);
  });
});
