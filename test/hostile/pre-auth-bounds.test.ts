import { once } from 'node:events';
import { request } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerOptions, SteadBroker } from '../../broker/index.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, keyed, rawConnack } from '../helpers/keys.js';
import { until } from '../helpers/wait.js';

/**
 * Nothing unauthenticated holds memory or descriptors beyond a small bound (DESIGN §7):
 * - a plain HTTP request to a WebSocket listener is answered 426 and closed;
 * - connections that have not authenticated are capped in total and per address (closed at
 *   once over a cap, counted), and closed after the connect timeout;
 * - a CONNECT with keepalive 0 is refused (aedes' keepalive limit), counted;
 * - refused CONNECTs are logged through the rate-limited refusal log, client-sent names cut.
 * The honest device calls throughout, its counter exact.
 */
describe('bounded before authentication', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  const sockets: Socket[] = [];

  async function start(options: BrokerOptions): Promise<void> {
    broker = await startBroker({ auth: {}, ...options });
    honest = await HonestDevice.start(broker);
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await honest.device.close();
    await broker.close();
  });

  /** A socket that connects and says nothing; resolves once connected, with a promise of its close. */
  async function silent(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    // Flowing, so the broker's end of the connection is seen (a CONNACK, then the close).
    socket.resume();
    sockets.push(socket);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await once(socket, 'connect');
    return { socket, closed };
  }

  it('a plain HTTP GET to a ws listener is answered 426 and the connection closed', async () => {
    await start({ listeners: [{ protocol: 'mqtt', port: 0 }, { protocol: 'ws', port: 0 }] });
    const port = broker.listeners[1]?.port ?? 0;
    const answer = await new Promise<{ status: number; connection: string | undefined; closed: Promise<void> }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/mqtt', agent: false }, (response) => {
        response.resume();
        const closed = new Promise<void>((done) => response.socket.once('close', () => done()));
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, closed });
      });
      req.once('error', reject);
      req.end();
    });
    expect(answer.status).toBe(426);
    expect(answer.connection).toBe('close');
    await answer.closed;
    await honest.stop(3);
  });

  it('silent sockets past the per-address cap are closed at once, the rest at the connect timeout; all counted', async () => {
    await start({ connections: { maxPendingPerAddress: 10, connectTimeoutMs: 300 } });
    const opened = await Promise.all(Array.from({ length: 30 }, () => silent(broker.port)));
    // The 20 over the cap close at once; the 10 within it when their CONNECT never comes.
    await Promise.all(opened.map((s) => s.closed));
    expect(broker.metrics.get('auth.refused.pending_address')).toBe(20);
    expect(broker.metrics.get('dropped.unauthenticated')).toBe(10);
    // The listener is free again: a new device gets in.
    const again = await attempt(broker.url, keyed(honest.key, 'honest/again'));
    expect(again.code).toBe(0);
    await again.client?.endAsync(true);
    await honest.stop(5);
  });

  it('silent sockets past the total cap are closed at once, counted', async () => {
    await start({ connections: { maxPending: 5, connectTimeoutMs: 300 } });
    const opened = await Promise.all(Array.from({ length: 12 }, () => silent(broker.port)));
    await Promise.all(opened.map((s) => s.closed));
    expect(broker.metrics.get('auth.refused.pending')).toBe(7);
    expect(broker.metrics.get('dropped.unauthenticated')).toBe(5);
    await honest.stop(5);
  });

  it('a CONNECT with keepalive 0 (never ping) is refused with CONNACK 6, counted', async () => {
    await start({});
    const password = Buffer.from(keyed(honest.key, 'honest/k0').password as Buffer);
    expect(await rawConnack(broker.port, { protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'honest/k0', keepalive: 0, username: 'honest', password })).toBe(6);
    await until(() => broker.metrics.get('auth.refused.keepalive') === 1, 5000, 'the refusal counted');
    await honest.stop(3);
  });

  it('300 refused CONNECTs with 60 KiB client ids cost the log a few short lines', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
        done();
      },
    });
    await start({ logger: pino({ level: 'warn' }, sink), connections: { maxPendingPerAddress: 1000 } });
    const huge = 'x'.repeat(60 * 1024);
    const refusedConnect = async (i: number): Promise<void> => {
      const { socket, closed } = await silent(broker.port);
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `${huge}${i}`, keepalive: 60, username: `${huge}${i}` }));
      await closed;
    };
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 30 }, (_, i) => refusedConnect(batch * 30 + i)));
    expect(broker.metrics.get('auth.refused.unknown')).toBe(300);
    const refusals = lines.filter((l) => l.includes('connect refused'));
    expect(refusals.length).toBeLessThanOrEqual(5);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(1024);
    await honest.stop(3);
  }, 120_000);
});
