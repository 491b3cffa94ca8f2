import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../../broker/index.js';
import { connectDevice } from '../../../device/index.js';
import { startBroker } from '../../helpers/broker.js';
import { makeSelfSigned, type SelfSigned } from '../../helpers/self-signed.js';

/** Issue 8, "Listeners": the same proxies over TCP, TLS, WebSocket and secure WebSocket at once. */
describe('listeners', () => {
  let dir: string;
  let tls: SelfSigned;
  let broker: SteadBroker;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-listeners-'));
    tls = await makeSelfSigned(dir);
    broker = await startBroker({
      listeners: [
        { protocol: 'mqtt', port: 0 },
        { protocol: 'mqtts', port: 0, cert: tls.certFile, key: tls.keyFile },
        { protocol: 'ws', port: 0 },
        { protocol: 'wss', port: 0, cert: tls.certFile, key: tls.keyFile },
      ],
    });
  });

  afterAll(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each listener as bound, port 0 resolved, the first as the broker url', () => {
    expect(broker.listeners.map((l) => l.protocol)).toEqual(['mqtt', 'mqtts', 'ws', 'wss']);
    for (const listener of broker.listeners) {
      expect(listener.port).toBeGreaterThan(0);
      expect(listener.url).toBe(`${listener.protocol}://127.0.0.1:${listener.port}`);
    }
    expect(new Set(broker.listeners.map((l) => l.port)).size).toBe(4);
    expect(broker.url).toBe(broker.listeners[0]?.url);
  });

  it('serves one proxy to a device on every listener, as one proxy (shared state)', async () => {
    let count = 0;
    for (const listener of broker.listeners) {
      // The device checks the broker's certificate against the self-signed CA (no rejectUnauthorized: false).
      const device = await connectDevice({ url: listener.url, mqtt: { ca: tls.cert, rejectUnauthorized: true } });
      try {
        expect(await device.session('toaster/every-listener', listener.protocol).call('buy', 'bread')).toBe(++count);
      } finally {
        await device.close();
      }
    }
  });

  // The authorization hooks (today the direction guard, DESIGN §7) belong to the one aedes
  // instance every listener feeds: a plain MQTT client meets them on each.
  it('applies the broker\'s aedes hooks on every listener: a subscription to a request topic is refused', async () => {
    for (const listener of broker.listeners) {
      const client = await mqtt.connectAsync(listener.url, { ca: tls.cert, reconnectPeriod: 0 });
      try {
        // [MQTT-3.9.3] refused: granted 128, which mqtt.js reports as an error carrying the SUBACK.
        const refused = client.subscribeAsync('stead/toaster/x/kitchen/in', { qos: 1 });
        await expect(refused, listener.protocol).rejects.toMatchObject({ packet: { granted: [128] } });
      } finally {
        await client.endAsync();
      }
    }
  });

  it('refuses a TLS connection the device cannot verify', async () => {
    const tlsUrl = broker.listeners.find((l) => l.protocol === 'mqtts')?.url ?? '';
    await expect(connectDevice({ url: tlsUrl, connectTimeoutMs: 500 })).rejects.toMatchObject({ code: 'STEAD_E_UNREACHABLE' });
  });

  // A file the options name that cannot be used is BAD_CONFIG; options without a file it needs break their schema (BAD_OPTIONS).
  it.each<[string, { cert?: string; key?: string }, string, string[]]>([
    ['a missing key file', { cert: 'cert.pem', key: 'no-such-key.pem' }, 'STEAD_E_BAD_CONFIG', ['listeners.1.key']],
    ['no cert at all', { key: 'key.pem' }, 'STEAD_E_BAD_OPTIONS', ['listeners.1.cert']],
    ['files that are not PEM', { cert: 'key.pem', key: 'cert.pem' }, 'STEAD_E_BAD_CONFIG', ['listeners.1.cert', 'listeners.1.key']],
  ])('refuses to start a TLS listener with %s (%s naming the field)', async (_name, files, code, fields) => {
    const at = (file: string | undefined) => file && join(dir, file);
    await expect(
      startBroker({ listeners: [{ protocol: 'mqtt', port: 0 }, { protocol: 'mqtts', port: 0, cert: at(files.cert), key: at(files.key) }] }),
    ).rejects.toMatchObject({ code, data: { fields } });
  });

  it('refuses to start when a later listener\'s port is in use', async () => {
    const taken = broker.listeners[2]?.port;
    await expect(startBroker({ listeners: [{ port: 0 }, { protocol: 'ws', port: taken }] })).rejects.toMatchObject({
      code: 'STEAD_E_START_FAILED',
      data: { step: 'listeners', system: 'EADDRINUSE' },
    });
  });
});
