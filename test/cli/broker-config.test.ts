import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../../device/index.js';
import { runStead, spawnBroker } from '../helpers/processes.js';
import { TEST_KEY } from '../helpers/test-key.js';
import { makeSelfSigned, type SelfSigned } from '../helpers/self-signed.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const USER_STORE = fileURLToPath(new URL('../helpers/user-store/file-store.mjs', import.meta.url));
const app = (name: string): string =>
  `import { defineProxy } from 'stead/broker';\nexport default defineProxy({ name: '${name}', init: () => ({ n: 0 }), methods: { bump: { args: [], run: (ctx) => ++ctx.state.n } } });\n`;

/** A user's project: apps in a folder and a file, a store module of their own, stead.json. */
const FILES: Record<string, string> = {
  'package.json': '{ "name": "user-project", "private": true, "type": "module" }',
  'apps/shop/app.ts': app('shop'),
  'hello.mjs': app('greeter'),
  'stead.json': JSON.stringify({
    apps: ['./apps/shop', './hello.mjs'],
    store: { url: 'filestore:./data', modules: ['./stores/file-store.mjs'], options: { fsync: false } },
    // `--port 0` (spawnBroker's) overrides this listener's port: flags the user gives win.
    listeners: [{ protocol: 'mqtt', port: 1 }, { protocol: 'ws', port: 0 }],
  }),
  'bad.json': JSON.stringify({ limits: { maxInbox: 0 } }),
};

/** One call of `method` on `address` by a device connected to `url`. */
async function callOnce(url: string, address: string, method: string, args: unknown[] = [], mqtt = {}): Promise<unknown> {
  const device = await connectDevice({ url, mqtt, key: TEST_KEY });
  try {
    return await device.session(address, 'cli-config').call(method, ...args);
  } finally {
    await device.close();
  }
}

const listenerUrls = (logs: Record<string, unknown>[]): string[] => (logs.find((l) => Array.isArray(l.listeners) && 'url' in l)?.listeners as string[]) ?? [];

describe('stead broker --config', () => {
  let project: string;
  let tls: SelfSigned;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'stead-config-'));
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(project, path)), { recursive: true });
      await writeFile(join(project, path), text);
    }
    await mkdir(join(project, 'stores'));
    await copyFile(USER_STORE, join(project, 'stores/file-store.mjs'));
    await mkdir(join(project, 'node_modules'));
    await symlink(REPO, join(project, 'node_modules/stead'), 'dir');
    tls = await makeSelfSigned(project);
  });

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('serves the file\'s apps (a folder and a file) from the user\'s own store, on the file\'s listeners, durably', async () => {
    const config = join(project, 'stead.json');
    let broker = await spawnBroker(['--config', config]);
    try {
      const [mqtt, ws] = listenerUrls(broker.logs);
      expect(mqtt).toBe(broker.url);
      expect(broker.port).not.toBe(1);
      expect(ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(broker.logs.find((l) => l.msg === 'stead broker listening')).toMatchObject({ store: `filestore:${join(project, 'data')}`, apps: ['shop', 'greeter'] });
      expect(await callOnce(broker.url, 'shop/one', 'bump')).toBe(1);
      expect(await callOnce(ws ?? '', 'greeter/one', 'bump')).toBe(1);
      // The key registry lives in the store too (docs/identity.md).
      expect((await readdir(join(project, 'data'))).sort()).toEqual(['%24auth%2Fkeys.json', 'greeter%2Fone.json', 'shop%2Fone.json']);
    } finally {
      expect(await broker.stop()).toBe(0);
    }
    broker = await spawnBroker(['--config', config]);
    try {
      expect(await callOnce(broker.url, 'shop/one', 'bump')).toBe(2);
    } finally {
      expect(await broker.stop()).toBe(0);
    }
  });

  it('takes a flag the user gave over the file: --store', async () => {
    const broker = await spawnBroker(['--config', join(project, 'stead.json'), '--store', 'memory:']);
    try {
      expect(broker.logs.find((l) => l.msg === 'stead broker listening')).toMatchObject({ store: 'memory:' });
    } finally {
      expect(await broker.stop()).toBe(0);
    }
  });

  it('refuses a bad file: exits 1 with BAD_CONFIG naming the field', async () => {
    const result = await runStead(['broker', '--port', '0', '--config', join(project, 'bad.json')]);
    expect(result.code).toBe(1);
    const fatal = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { code?: string; err?: { data?: unknown } }).find((l) => l.code);
    expect(fatal).toMatchObject({ code: 'STEAD_E_BAD_CONFIG', err: { data: { fields: ['limits.maxInbox'] } } });
  });

  it('checks flags with the options’ schema: a port out of range exits 1 with BAD_OPTIONS naming the option', async () => {
    const result = await runStead(['broker', '--store', 'memory:', '--port', '70000']);
    expect(result.code).toBe(1);
    const fatal = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { code?: string; err?: { data?: unknown } }).find((l) => l.code);
    expect(fatal).toMatchObject({ code: 'STEAD_E_BAD_OPTIONS', err: { data: { fields: ['listeners.0.port'] } } });
  });

  it('opens TLS, WebSocket and secure WebSocket listeners from flags, each serving the proxies', async () => {
    const files = ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile];
    const broker = await spawnBroker(['--store', 'memory:', '--app', 'examples/toaster/app.ts', '--tls-port', '0', '--ws-port', '0', '--wss-port', '0', ...files]);
    try {
      const urls = listenerUrls(broker.logs);
      expect(urls.map((url) => new URL(url).protocol)).toEqual(['mqtt:', 'mqtts:', 'ws:', 'wss:']);
      let count = 0;
      for (const url of urls) expect(await callOnce(url, 'toaster/flags', 'buy', ['bread'], { ca: tls.cert })).toBe(++count);
    } finally {
      expect(await broker.stop()).toBe(0);
    }
  });
});
