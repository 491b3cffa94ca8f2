import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { WebSocket } from 'ws';
import { afterEach, describe, expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { newDeviceKey, type DeviceKey } from '../../shared/identity/index.js';
import { LIMITS } from '../../shared/limits.js';
import { createTopics } from '../../shared/topics.js';
import { decodeFrame } from '../../shared/wire/codec.js';
import { it, test } from '../helpers/fixtures.js';
import { HonestDevice } from '../helpers/honest-device.js';
import { grantNewKey, tokenFor } from '../helpers/keys.js';

/**
 * Issue 8, hostile input: the packet size is capped at the MQTT parser, before the payload is
 * buffered (broker/host/packet-size-guard.ts). A packet announcing more than maxFrameBytes plus
 * MQTT's overhead closes its connection as soon as its length bytes arrive; the broker's memory
 * does not grow by what was claimed, and an honest device keeps completing its calls.
 */
/** Under MQTT's largest remaining length (256 MB - 1), so the parser itself would wait for it all. */
const CLAIMED = 255 * 1024 * 1024;
/** What the attacker streams after the header, if the broker lets it: enough to show in memory. */
const STREAMED = 32 * 1024 * 1024;
const topics = createTopics();

/** A fixed header for a packet of `type` and `flags` announcing `length` body bytes. */
function fixedHeader(type: number, flags: number, length: number): Buffer {
  const bytes = [(type << 4) | flags];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

interface Flood {
  /** The connection was closed by the broker. */
  readonly closed: boolean;
  /** Body bytes the broker took before it closed (or all of them). */
  readonly sent: number;
}

/**
 * Writes the header, then up to STREAMED body bytes from one reused buffer as fast as the broker
 * reads them; stops when the broker closes the connection.
 */
async function flood(socket: Socket, header: Buffer): Promise<Flood> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let closed = false;
  // Not events.once: it rejects on the socket's ECONNRESET, which is how the broker answers here.
  const close = new Promise<void>((resolve) => socket.once('close', resolve)).then(() => {
    closed = true;
  });
  const drain = (): Promise<void> => new Promise((resolve) => socket.once('drain', resolve));
  socket.write(header);
  let sent = 0;
  while (!closed && sent < STREAMED) {
    sent += chunk.length;
    if (!socket.write(chunk)) await Promise.race([drain(), close]);
  }
  if (!closed) await Promise.race([close, new Promise((resolve) => setTimeout(resolve, 1000))]);
  return { closed, sent };
}

async function openSocket(port: number): Promise<Socket> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  // The broker resets the connections these tests abuse: that is the expected answer, not a failure.
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** An authenticated raw connection: CONNECT with a signed token, CONNACK 0 read. */
async function authenticated(port: number, key: DeviceKey): Promise<Socket> {
  const socket = await openSocket(port);
  const clientId = `${key.device}/raw`;
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60, username: key.device, password: Buffer.from(tokenFor(key, clientId)) }));
  const [connack] = (await once(socket, 'data')) as [Buffer];
  expect([...connack.subarray(0, 4)]).toEqual([0x20, 2, 0, 0]);
  return socket;
}

describe('oversize MQTT packets (issue 8)', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;
  const sockets: Socket[] = [];

  test.override('brokerOptions', { auth: {} });

  test.beforeEach(async ({ broker: started }) => {
    broker = started;
    honest = await HonestDevice.start(broker);
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await honest.device.close();
  });

  it('an authenticated PUBLISH announcing 255 MB on its own topic closes the connection at once, counted, memory flat', async () => {
    const key = await grantNewKey(broker, 'mallory');
    const socket = await authenticated(broker.port, key);
    sockets.push(socket);
    const topic = Buffer.from(topics.inbound('toaster', 'mallory', 'evil'));
    const header = Buffer.concat([fixedHeader(3, 0b0010, CLAIMED), Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0, 1])]);
    const before = process.memoryUsage().arrayBuffers;
    const result = await flood(socket, header);
    expect(result.closed).toBe(true);
    // Closed on the length bytes: what the broker read of the body is what was in flight, not the claim.
    expect(result.sent).toBeLessThan(STREAMED);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(STREAMED / 2);
    expect(broker.metrics.get('dropped.oversize')).toBe(1);
    await honest.stop(5);
  });

  it('a CONNECT announcing 255 MB is closed before authentication, counted', async () => {
    const socket = await openSocket(broker.port);
    sockets.push(socket);
    const result = await flood(socket, fixedHeader(1, 0, CLAIMED));
    expect(result).toMatchObject({ closed: true });
    expect(result.sent).toBeLessThan(STREAMED);
    expect(broker.metrics.get('dropped.oversize')).toBe(1);
    await honest.stop(5);
  });

  it('a remaining length of five bytes (malformed, over any cap) closes the connection', async () => {
    const socket = await openSocket(broker.port);
    sockets.push(socket);
    const result = await flood(socket, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    expect(result.closed).toBe(true);
    expect(broker.metrics.get('dropped.oversize')).toBe(1);
    await honest.stop(5);
  });

  it('a frame just over maxFrameBytes still fits the packet cap: answered with FRAME_TOO_LARGE, the connection kept', async () => {
    const key = await grantNewKey(broker, 'mallory');
    const socket = await authenticated(broker.port, key);
    sockets.push(socket);
    const out = topics.outbound('toaster', 'mallory', 'big');
    socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: out, qos: 0 }] }));
    await once(socket, 'data');
    const parser = mqttPacket.parser();
    const answer = new Promise<mqttPacket.IPublishPacket>((resolve) => parser.on('packet', (p) => p.cmd === 'publish' && resolve(p)));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    const payload = Buffer.alloc(LIMITS.maxFrameBytes + 1);
    socket.write(mqttPacket.generate({ cmd: 'publish', topic: topics.inbound('toaster', 'mallory', 'big'), payload, qos: 0, retain: false, dup: false }));
    const frame = decodeFrame((await answer).payload as Buffer);
    expect(frame).toMatchObject({ kind: 7, code: 'STEAD_E_FRAME_TOO_LARGE' });
    expect(socket.destroyed).toBe(false);
    expect(broker.metrics.get('dropped.oversize')).toBe(0);
    await honest.stop(5);
  });

  it('an unknown key announcing 255 MB is closed just the same (the cap needs no identity)', async () => {
    const stranger = newDeviceKey('stranger');
    const socket = await openSocket(broker.port);
    sockets.push(socket);
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'stranger/x', keepalive: 60, username: 'stranger', password: Buffer.from(tokenFor(stranger, 'stranger/x')) });
    const result = await flood(socket, Buffer.concat([connect, fixedHeader(3, 0, CLAIMED)]));
    expect(result.closed).toBe(true);
    expect(broker.metrics.get('dropped.oversize')).toBe(1);
    await honest.stop(5);
  });
});

describe('oversize MQTT packets over WebSocket (issue 8)', () => {
  test.override('brokerOptions', { auth: {}, listeners: [{ protocol: 'mqtt', port: 0 }, { protocol: 'ws', port: 0 }] });

  it('a CONNECT announcing 255 MB over a ws listener closes the WebSocket, counted', async ({ broker }) => {
    const honest = await HonestDevice.start(broker);
    try {
      const ws = broker.listeners[1];
      const socket = new WebSocket(`ws://127.0.0.1:${ws?.port ?? 0}/mqtt`, 'mqtt');
      socket.on('error', () => {});
      await once(socket, 'open');
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.send(Buffer.concat([fixedHeader(1, 0, CLAIMED), Buffer.alloc(1024)]));
      await closed;
      expect(broker.metrics.get('dropped.oversize')).toBe(1);
      await honest.stop(5);
    } finally {
      await honest.device.close();
    }
  });
});
