import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../../device/index.js';
import { runStead, spawnBroker, type BrokerProcess } from '../helpers/processes.js';
import { TEST_KEY } from '../helpers/test-key.js';

// An admin token is at least 32 characters (the broker's options schema).
const TOKEN = 'cli-admin-token-0123456789abcdef-0123';

describe('stead status and stead proxy inspect against a running stead broker --http', () => {
  let broker: BrokerProcess;
  let http: string;
  const env = { STEAD_ADMIN_TOKEN: TOKEN };

  beforeAll(async () => {
    broker = await spawnBroker(['--store', 'memory:', '--app', 'examples/toaster/app.ts', '--http', '127.0.0.1:0'], undefined, env);
    http = String(broker.logs.find((l) => typeof l.http === 'string')?.http);
    const device = await connectDevice({ url: broker.url, key: TEST_KEY });
    try {
      const shop = device.session('toaster/cli-shop', 'kitchen');
      for (let i = 0; i < 3; i++) await shop.call('buy', 'bread');
    } finally {
      await device.close();
    }
  });

  afterAll(async () => {
    expect(await broker.stop()).toBe(0);
  });

  it('stead status --json prints the live system', async () => {
    const result = await runStead(['status', '--broker', http, '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ mqtt: broker.url, proxiesLive: 1, callsTotal: 3, store: { url: 'memory:', healthy: true } });
  });

  it('stead status prints a table', async () => {
    const result = await runStead(['status', '--broker', http], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^proxies +1 live, 1 loaded$/m);
    expect(result.stdout).toMatch(/^calls +3 total/m);
  });

  it('stead proxy inspect prints sessions with a nonce fingerprint', async () => {
    const table = await runStead(['proxy', 'inspect', 'toaster/cli-shop', '--broker', http], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^kitchen +[0-9a-f]{8} +3 /m);
    const json = await runStead(['proxy', 'inspect', 'toaster/cli-shop', '--broker', http, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ key: 'toaster/cli-shop', source: 'live', sessions: [{ name: 'kitchen', lastSeq: 3 }] });
  });

  it.each([
    [['status', '--token', 'wrong'], 'STEAD_E_REFUSED'],
    [['proxy', 'inspect', 'toaster/nobody'], 'STEAD_E_UNKNOWN_PROXY'],
    [['proxy', 'inspect', 'Bad/x'], 'STEAD_E_INVALID_NAME'],
  ])('stead %j exits 1 with %s', async (args, code) => {
    const result = await runStead([...args, '--broker', http], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${code}: `));
  });
});
