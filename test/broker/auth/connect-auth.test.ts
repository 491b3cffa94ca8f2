import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { afterEach, describe, expect } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice } from '../../../device/index.js';
import { newDeviceKey, type DeviceKey } from '../../../shared/identity/index.js';
import { it, test } from '../../helpers/fixtures.js';
import { attempt, grantNewKey, keyed, rawConnack, tokenFor } from '../../helpers/keys.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';

const NOT_AUTHORIZED = 5;
const IDENTIFIER_REJECTED = 2;

/** DESIGN §7: CONNECT proves a key; every other CONNECT is refused with CONNACK 5, counted, and touches no session. */
describe('CONNECT authentication', () => {
  test.override('brokerOptions', { auth: {} });
  let broker: SteadBroker;
  let key: DeviceKey;
  const clients: MqttClient[] = [];

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    key = await grantNewKey(broker, 'dev1');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  const tryConnect = async (options: Parameters<typeof attempt>[1]): Promise<number> => {
    const result = await attempt(broker.url, options);
    if (result.client) clients.push(result.client);
    return result.code;
  };

  it('accepts a granted key, and a device with it calls the proxy named like it', async () => {
    expect(await tryConnect(keyed(key))).toBe(0);
    const device = await connectDevice({ url: broker.url, key });
    try {
      const shop = device.session('toaster/dev1', 'kitchen');
      await shop.begin();
      expect(await shop.call('buy', 'bread')).toBe(1);
    } finally {
      await device.close();
    }
  });

  it.each([
    ['unknown', () => keyed(newDeviceKey('stranger'))],
    ['malformed', () => ({ clientId: 'dev1/a', username: 'dev1', password: Buffer.from('not a token') })],
    ['anonymous', () => ({ clientId: 'anon' })],
    ['expired', () => ({ clientId: 'dev1/a', username: 'dev1', password: Buffer.from(tokenFor(key, 'dev1/a', { timestamp: Date.now() - 6 * 60_000 })) })],
    ['expired', () => ({ clientId: 'dev1/a', username: 'dev1', password: Buffer.from(tokenFor(key, 'dev1/a', { timestamp: Date.now() + 6 * 60_000 })) })],
    ['forged', () => ({ clientId: 'dev1/a', username: 'dev1', password: Buffer.from(tokenFor(newDeviceKey('dev1'), 'dev1/a')) })],
    ['forged', () => ({ clientId: 'dev1/b', username: 'dev1', password: Buffer.from(tokenFor(key, 'dev1/a')) })],
    ['forged', () => ({ clientId: 'dev1/a', username: 'dev1', password: Buffer.from(tokenFor(key, 'dev1/a', { audience: 'elsewhere' })) })],
    ['client_id', () => ({ clientId: 'dev2', username: 'dev1', password: Buffer.from(tokenFor(key, 'dev2')) })],
  ])('refuses a CONNECT that is %s with CONNACK 5, counted, touching no session', async (reason, options) => {
    const before = broker.metrics.get(`auth.refused.${reason}`);
    const given = options();
    expect(await tryConnect({ ...given, clean: false })).toBe(NOT_AUTHORIZED);
    expect(broker.metrics.get(`auth.refused.${reason}`)).toBe(before + 1);
    // No session was made for that client id: an honest CONNECT with it finds none.
    const clientId = given.clientId ?? '';
    if (clientId.startsWith('dev1')) {
      const honest = await attempt(broker.url, keyed(key, clientId, { clean: false }));
      if (honest.client) clients.push(honest.client);
      expect(honest).toMatchObject({ code: 0, sessionPresent: false });
    }
    expect(await broker.store.list('toaster/')).toEqual([]);
  });

  it('refuses a replayed token', async () => {
    const options = keyed(key);
    expect(await tryConnect(options)).toBe(0);
    const before = broker.metrics.get('auth.refused.replayed');
    expect(await tryConnect(options)).toBe(NOT_AUTHORIZED);
    expect(broker.metrics.get('auth.refused.replayed')).toBe(before + 1);
  });

  it('refuses a revoked key', async () => {
    await broker.auth.keys?.revoke('dev1');
    expect(await tryConnect(keyed(key))).toBe(NOT_AUTHORIZED);
    expect(broker.metrics.get('auth.refused.revoked')).toBe(1);
  });

  it('connectDevice rejects with NOT_AUTHORIZED at once for a key the broker does not know', async () => {
    const started = Date.now();
    await expect(connectDevice({ url: broker.url, key: newDeviceKey('stranger'), connectTimeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'STEAD_E_NOT_AUTHORIZED',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a device reconnecting signs a fresh token each time (tokens are single use)', async () => {
    const tcp = await startTcpProxy(broker.port);
    const device = await connectDevice({ url: tcp.url, key, reconnect: { initialMs: 10, maxMs: 20 } });
    try {
      const reconnected = new Promise<void>((resolve) => device.once('connect', () => resolve()));
      tcp.cut();
      await reconnected;
      expect(broker.metrics.get('auth.refused.replayed')).toBe(0);
      const shop = device.session('toaster/dev1', 'kitchen');
      await shop.begin();
      expect(await shop.call('buy', 'bread')).toBe(1);
    } finally {
      await device.close();
      await tcp.close();
    }
  });

  it('refuses a zero-length client id with clean session false with CONNACK 2 [MQTT-3.1.3-8]', async () => {
    expect(await rawConnack(broker.port, { protocolId: 'MQTT', protocolVersion: 4, clean: false, clientId: '', keepalive: 60 })).toBe(IDENTIFIER_REJECTED);
  });
});

describe('the clock window is configurable', () => {
  test.override('brokerOptions', { auth: { clockWindowMs: 1000 } });

  it('auth.clockWindowMs 1000 refuses a token 2 s old and takes one 0.5 s old', async ({ broker }) => {
    const key = await grantNewKey(broker, 'dev1');
    const at = (ageMs: number) => ({ clientId: 'dev1/a', username: 'dev1', password: Buffer.from(tokenFor(key, 'dev1/a', { timestamp: Date.now() - ageMs })) });
    expect((await attempt(broker.url, at(2000))).code).toBe(NOT_AUTHORIZED);
    const fresh = await attempt(broker.url, at(500));
    expect(fresh.code).toBe(0);
    await fresh.client?.endAsync(true);
  });
});

describe('an open broker (the library default)', () => {
  it('refuses a zero-length client id with clean session false with CONNACK 2 [MQTT-3.1.3-8]', async ({ broker }) => {
    expect(await rawConnack(broker.port, { protocolId: 'MQTT', protocolVersion: 4, clean: false, clientId: '', keepalive: 60 })).toBe(IDENTIFIER_REJECTED);
  });

  it('accepts a zero-length client id with clean session true', async ({ broker }) => {
    expect(await rawConnack(broker.port, { protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: '', keepalive: 60 })).toBe(0);
  });

  it('refuses a password without a user name [MQTT-3.1.2-22]', async ({ broker }) => {
    // mqtt-packet will not write one: connect flags 0x42 (password, clean session), no user name.
    const socket = connectTcp({ host: '127.0.0.1', port: broker.port });
    await once(socket, 'connect');
    const body = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x42, 0, 60, 0, 1, 0x78, 0, 2, 0x70, 0x77]);
    socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    const [connack] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();
    expect([...connack]).toEqual([0x20, 2, 0, 5]);
    expect(broker.metrics.get('auth.refused.malformed')).toBe(1);
  });
});
