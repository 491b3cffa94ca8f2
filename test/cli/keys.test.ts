import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { attempt, publishOutcome, subscribeOutcome } from '../helpers/keys.js';
import { runStead, spawnBroker, type BrokerProcess } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

/** `stead call` exit codes (cli/exit-codes.ts). */
const EXIT = { answered: 0, failed: 1, refused: 2, unsent: 5 };

/** DESIGN §7 from the command line: keys made, granted and revoked on the store of a running broker. */
describe('stead keys', () => {
  let dir: string;
  let store: string;
  let broker: BrokerProcess;
  let keyFile: string;
  /** Waits until the broker has read the registry at a version after the given count of reads. */
  const reads = (): number => broker.logs.filter((l) => l.msg === 'key registry changed').length;
  const reread = (before: number) => until(() => reads() > before, 5000, 'the broker to read the registry');
  const call = (key: string, ...args: string[]) =>
    runStead(['call', '--broker', broker.url, '--journal', join(dir, 'journal'), '--deadline', '3000', ...args], { STEAD_KEY: key });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-keys-'));
    store = `sqlite:${join(dir, 'stead.db')}`;
    keyFile = join(dir, 'keys', 'shop-1.key');
    broker = await spawnBroker(['--store', store, '--app', 'examples/toaster/app.ts']);
  });

  afterAll(async () => {
    expect(await broker.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('new writes a key file only its owner can read, and never overwrites one', async () => {
    const made = await runStead(['keys', 'new', 'shop-1', '--out', keyFile]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ device: 'shop-1', file: keyFile });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({ v: 1, device: 'shop-1' });
    const again = await runStead(['keys', 'new', 'shop-1', '--out', keyFile]);
    expect(again.code).toBe(1);
    expect(again.stderr.split(':')[0]).toBe('STEAD_E_BAD_OPTIONS');
  });

  it('an ungranted key is refused at CONNECT (exit 5, NOT_AUTHORIZED)', async () => {
    const result = await call(keyFile, 'toaster/shop-1', 'cli', 'counters');
    expect(result.code).toBe(EXIT.unsent);
    expect(result.stderr.split(':')[0]).toBe('STEAD_E_NOT_AUTHORIZED');
  });

  it('a call without a key is refused at CONNECT', async () => {
    const result = await call('', 'toaster/shop-1', 'cli', 'counters');
    expect(result.code).toBe(EXIT.unsent);
    expect(result.stderr.split(':')[0]).toBe('STEAD_E_NOT_AUTHORIZED');
  });

  it('grant on the running broker’s store: the key calls the proxy named like its device, and only that', async () => {
    const before = reads();
    const granted = await runStead(['keys', 'grant', 'shop-1', '--key', keyFile, '--store', store]);
    expect(granted.code).toBe(0);
    await reread(before);
    expect(JSON.parse(granted.stdout)).toMatchObject({ device: 'shop-1', role: 'device', proxies: ['*/{device}'], revokedAt: null });
    expect(await call(keyFile, 'toaster/shop-1', 'cli', 'buy', '["bread"]')).toMatchObject({ code: EXIT.answered, stdout: '1\n' });
    const foreign = await call(keyFile, 'toaster/shop-2', 'cli', 'counters');
    expect(foreign.code).not.toBe(EXIT.answered);
    expect(foreign.stderr.split(':')[0]).toBe('STEAD_E_REFUSED');
  });

  it('ls prints each key as a JSON line, public keys only', async () => {
    const listed = await runStead(['keys', 'ls', '--store', store]);
    expect(listed.code).toBe(0);
    const entries = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => e.device)).toEqual(['shop-1', 'tester']);
    expect(entries.every((e) => !('secretKey' in e))).toBe(true);
  });

  it('revoke on the running broker’s store: the next call is refused', async () => {
    const before = reads();
    const revoked = await runStead(['keys', 'revoke', 'shop-1', '--store', store]);
    expect(JSON.parse(revoked.stdout)).toEqual({ device: 'shop-1', revoked: true });
    await reread(before);
    const refused = await call(keyFile, 'toaster/shop-1', 'cli', 'counters');
    expect(refused.code).toBe(EXIT.unsent);
    expect(refused.stderr.split(':')[0]).toBe('STEAD_E_NOT_AUTHORIZED');
  });

  it('a revoked key stays revoked: granting it again is BAD_KEY, and it still cannot call', async () => {
    const again = await runStead(['keys', 'grant', 'shop-1', '--key', keyFile, '--store', store]);
    expect(again.code).toBe(1);
    expect(again.stderr.split(':')[0]).toBe('STEAD_E_BAD_KEY');
    // Not under another device's name either.
    const elsewhere = await runStead(['keys', 'grant', 'shop-9', '--key', keyFile, '--store', store]);
    expect(elsewhere.stderr.split(':')[0]).toBe('STEAD_E_BAD_KEY');
    const listed = await runStead(['keys', 'ls', '--store', store]);
    const shop = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { device: string; revokedAt: number | null }).find((e) => e.device === 'shop-1');
    expect(shop?.revokedAt).not.toBeNull();
    expect((await call(keyFile, 'toaster/shop-1', 'cli', 'counters')).code).toBe(EXIT.unsent);
  });

  it('a new key for a revoked device is granted afresh (no old grants); grant --replace narrows grants', async () => {
    const newFile = join(dir, 'keys', 'shop-1-new.key');
    expect((await runStead(['keys', 'new', 'shop-1', '--out', newFile])).code).toBe(0);
    const wide = await runStead(['keys', 'grant', 'shop-1', '--key', newFile, '--proxy', 'toaster/*', '--store', store]);
    expect(JSON.parse(wide.stdout)).toMatchObject({ proxies: ['toaster/*'], revokedAt: null });
    const before = reads();
    const narrow = await runStead(['keys', 'grant', 'shop-1', '--proxy', 'toaster/shop-1', '--replace', '--store', store]);
    expect(JSON.parse(narrow.stdout)).toMatchObject({ role: 'device', proxies: ['toaster/shop-1'], topics: [] });
    await reread(before);
    expect((await call(newFile, 'toaster/shop-1', 'cli', 'counters')).code).toBe(EXIT.answered);
    const foreign = await call(newFile, 'toaster/shop-2', 'cli', 'counters');
    expect(foreign.stderr.split(':')[0]).toBe('STEAD_E_REFUSED');
  });

  it('grant refuses a bad proxy pattern and a key file that is not one', async () => {
    const pattern = await runStead(['keys', 'grant', 'shop-1', '--proxy', 'Toaster/x', '--store', store]);
    expect(pattern.stderr.split(':')[0]).toBe('STEAD_E_BAD_OPTIONS');
    const badKey = await runStead(['keys', 'grant', 'shop-1', '--key', join(dir, 'stead.db'), '--store', store]);
    expect(badKey.stderr.split(':')[0]).toBe('STEAD_E_BAD_KEY');
  });

  it('refuses a memory: store (it would die with this command)', async () => {
    const result = await runStead(['keys', 'ls', '--store', 'memory:']);
    expect(result.code).toBe(1);
    expect(result.stderr.split(':')[0]).toBe('STEAD_E_BAD_OPTIONS');
  });
});

describe('stead broker --admin-key with a revoked key', () => {
  it('refuses to grant it again, logs that, and runs on without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stead-admin-revoked-'));
    const store = `sqlite:${join(dir, 'stead.db')}`;
    const adminFile = join(dir, 'ops.key');
    try {
      const first = await spawnBroker(['--store', store, '--admin-key', adminFile]);
      expect(await first.stop()).toBe(0);
      expect((await runStead(['keys', 'revoke', 'ops', '--store', store])).code).toBe(0);
      const second = await spawnBroker(['--store', store, '--admin-key', adminFile]);
      try {
        expect(second.logs.some((l) => l.level === 50 && l.code === 'STEAD_E_BAD_KEY' && l.device === 'ops')).toBe(true);
        const listed = await runStead(['keys', 'ls', '--store', store]);
        const ops = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { device: string; revokedAt: number | null }).find((e) => e.device === 'ops');
        expect(ops?.revokedAt).not.toBeNull();
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('stead broker and clients without a key', () => {
  it('requires a key by default: a plain MQTT client without one is refused with CONNACK 5', async () => {
    const broker = await spawnBroker(['--store', 'memory:']);
    try {
      expect((await attempt(broker.url, { clientId: 'plain' })).code).toBe(5);
    } finally {
      await broker.stop();
    }
  });

  it('--allow-anonymous warns at start and opens plain topics, never Stead topics', async () => {
    const broker = await spawnBroker(['--store', 'memory:', '--allow-anonymous', '--app', 'examples/toaster/app.ts']);
    const clients: MqttClient[] = [];
    try {
      expect(broker.logs.some((l) => l.level === 40 && String(l.msg).includes('--allow-anonymous'))).toBe(true);
      const plain = await attempt(broker.url, { clientId: 'plain' });
      expect(plain.code).toBe(0);
      clients.push(plain.client as MqttClient);
      expect(await subscribeOutcome(plain.client as MqttClient, 'telemetry/temp')).toBe(1);
      expect(await publishOutcome(plain.client as MqttClient, 'telemetry/temp', '21')).toBe('acked');
      expect(await subscribeOutcome(plain.client as MqttClient, 'stead/toaster/x/s/out')).toBe(128);
      expect(await publishOutcome(plain.client as MqttClient, 'stead/toaster/x/s/in', 'x')).toBe('closed');
    } finally {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await broker.stop();
    }
  });
});
