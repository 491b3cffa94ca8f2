import { once } from 'node:events';
import { stat, mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerOptions, SteadBroker } from '../../broker/index.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { attempt, publishOutcome } from '../helpers/keys.js';
import { until } from '../helpers/wait.js';

/**
 * Files and MQTT conformance (docs/identity.md, threats):
 * - the SQLite store's folder is made 0700 and its database, `-wal` and `-shm` are 0600: they
 *   hold every proxy's state, secret fields and once-only values;
 * - a topic with U+0000 or bytes that are not UTF-8 closes the connection [MQTT-1.5.3-1, -2]
 *   (counted `dropped.bad_utf8`), never a PUBACK;
 * - a password without a user name is refused [MQTT-3.1.2-22], anonymous mode included;
 * - `$`-topics other than `$SYS` are ordinary topics for plain clients, which `#` does not match.
 * The honest device calls throughout, its counter exact.
 */
describe('files and MQTT conformance', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  const sockets: Socket[] = [];
  const clients: MqttClient[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  async function start(options: BrokerOptions): Promise<void> {
    broker = await startBroker(options);
    honest = await HonestDevice.start(broker);
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await honest.device.close();
    await broker.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A raw anonymous connection, CONNACK 0 read; its data flowing so its close is seen. */
  async function anonymousSocket(clientId: string): Promise<{ socket: Socket; closed: Promise<void>; packets: mqttPacket.Packet[] }> {
    const socket = connectTcp({ host: '127.0.0.1', port: broker.port });
    socket.on('error', () => {});
    sockets.push(socket);
    const parser = mqttPacket.parser();
    const packets: mqttPacket.Packet[] = [];
    parser.on('packet', (packet) => packets.push(packet));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await once(socket, 'connect');
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60 }));
    while (packets.length === 0) await once(socket, 'data');
    expect(packets[0]).toMatchObject({ cmd: 'connack', returnCode: 0 });
    return { socket, closed, packets };
  }

  /** A QoS 1 PUBLISH of `topic` given as raw bytes (what mqtt.js would never send). */
  function rawPublish(topic: Buffer): Buffer {
    const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0, 7]), Buffer.from('x')]);
    return Buffer.concat([Buffer.from([0x32, body.length]), body]);
  }

  it('the store folder is 0700 and the database, -wal and -shm are 0600', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stead-files-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const folder = join(dir, 'data');
    await start({ auth: {}, store: `sqlite:${join(folder, 'stead.db')}` });
    await honest.stop(3);
    const modes = await Promise.all([folder, ...['', '-wal', '-shm'].map((end) => join(folder, `stead.db${end}`))].map(async (file) => (await stat(file)).mode & 0o777));
    expect(modes).toEqual([0o700, 0o600, 0o600, 0o600]);
  });

  it.each([
    ['U+0000', Buffer.from('plain/a\u0000b')],
    ['a byte that is never UTF-8', Buffer.from([0x70, 0x2f, 0xff, 0x61])],
    ['a lone surrogate', Buffer.from([0x70, 0x2f, 0xed, 0xa0, 0x80])],
    ['a truncated sequence', Buffer.from([0x70, 0x2f, 0xe2, 0x82])],
  ])('a topic with %s closes the connection, no PUBACK, counted', async (_name, topic) => {
    await start({ auth: { allowAnonymous: true } });
    const { socket, closed, packets } = await anonymousSocket('anon');
    socket.write(rawPublish(topic));
    await closed;
    expect(packets.map((p) => p.cmd)).toEqual(['connack']);
    expect(broker.metrics.get('dropped.bad_utf8')).toBe(1);
    await honest.stop(3);
  });

  it('a subscription to a filter with U+0000 closes the connection', async () => {
    await start({ auth: { allowAnonymous: true } });
    const { socket, closed } = await anonymousSocket('anon');
    socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'plain/\u0000', qos: 1 }] }));
    await closed;
    expect(broker.metrics.get('dropped.bad_utf8')).toBe(1);
    await honest.stop(3);
  });

  it('in anonymous mode a password without a user name is refused [MQTT-3.1.2-22]', async () => {
    await start({ auth: { allowAnonymous: true } });
    const socket = connectTcp({ host: '127.0.0.1', port: broker.port });
    socket.on('error', () => {});
    sockets.push(socket);
    await once(socket, 'connect');
    // Connect flags 0x42: password and clean session, no user name.
    const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x42, 0, 60]);
    const payload = Buffer.from([0, 4, ...Buffer.from('anon'), 0, 2, ...Buffer.from('pw')]);
    socket.write(Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]));
    const [connack] = (await once(socket, 'data')) as [Buffer];
    expect([...connack]).toEqual([0x20, 2, 0, 5]);
    expect(broker.metrics.get('auth.refused.malformed')).toBe(1);
    await honest.stop(3);
  });

  it('$TopicA/B is an ordinary topic for plain clients; # does not match it; $SYS stays the broker’s', async () => {
    await start({ auth: { allowAnonymous: true } });
    const open = async (clientId: string): Promise<MqttClient> => {
      const result = await attempt(broker.url, { clientId });
      clients.push(result.client as MqttClient);
      return result.client as MqttClient;
    };
    const dollar = await open('dollar');
    const all = await open('all');
    const received: string[] = [];
    const everything: string[] = [];
    dollar.on('message', (topic) => received.push(topic));
    all.on('message', (topic) => everything.push(topic));
    await dollar.subscribeAsync('$TopicA/#', { qos: 1 });
    await all.subscribeAsync('#', { qos: 1 });
    const publisher = await open('publisher');
    expect(await publishOutcome(publisher, '$TopicA/B', 'x')).toBe('acked');
    // A later message on a plain topic reaches `#` after the `$` one would have.
    await publisher.publishAsync('plain/after', 'y', { qos: 1 });
    await until(() => received.length > 0 && everything.includes('plain/after'), 5000, 'both deliveries');
    expect(received).toEqual(['$TopicA/B']);
    expect(everything).toEqual(['plain/after']);
    expect(await publishOutcome(publisher, '$SYS/forged', 'x')).toBe('closed');
    await honest.stop(3);
  });
});
