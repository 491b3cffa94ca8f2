import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../../../device/sim/index.js';
import { MqttFramer, connectClientId } from '../../../device/sim/mqtt-framer.js';
import { codeOfAsync } from '../../helpers/errors.js';

/** Hand-made MQTT 3.1.1 / 5 packets: what a device writes, byte for byte. */
function packet(first: number, body: Buffer): Buffer {
  const length: number[] = [];
  let n = body.length;
  do {
    length.push((n % 128) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...length]), body]);
}
const str = (text: string): Buffer => Buffer.concat([Buffer.from([text.length >> 8, text.length & 0xff]), Buffer.from(text)]);
const connectPacket = (clientId: string, level = 4): Buffer =>
  packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([level, 0x02, 0, 30]), level === 5 ? Buffer.from([3, 0x21, 0, 10]) : Buffer.alloc(0), str(clientId)]));
const publishPacket = (topic: string, payload: string, id: number): Buffer =>
  packet(0x32, Buffer.concat([str(topic), Buffer.from([id >> 8, id & 0xff]), Buffer.from(payload)]));
const PINGREQ = Buffer.from([0xc0, 0]);

/** A TCP server standing in for the broker: it records the packets that reach it. */
async function recordingBroker(): Promise<{ server: Server; url: string; packets: Buffer[]; next(type: number): Promise<void> }> {
  const packets: Buffer[] = [];
  const waiting: { type: number; resolve: () => void }[] = [];
  const server = createServer((socket) => {
    const framer = new MqttFramer((type, bytes) => {
      packets.push(Buffer.from(bytes));
      for (const w of waiting.splice(0)) if (w.type === type) w.resolve();
      else waiting.push(w);
    });
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `mqtt://127.0.0.1:${port}`,
    packets,
    next: (type) => new Promise((resolve) => waiting.push({ type, resolve })),
  };
}

describe('MqttFramer', () => {
  it('cuts any chunking of a stream into the same whole packets', () => {
    const packetArb = fc
      .tuple(fc.integer({ min: 1, max: 14 }), fc.uint8Array({ maxLength: 300 }))
      .map(([type, body]) => packet(type << 4, Buffer.from(body)));
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (packets, cuts) => {
        const stream = Buffer.concat(packets);
        const seen: Buffer[] = [];
        const framer = new MqttFramer((_type, bytes) => seen.push(Buffer.from(bytes)));
        for (let at = 0, i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          framer.push(stream.subarray(at, at + size));
          at += size;
        }
        expect(seen).toEqual(packets);
      }),
    );
  });

  it.each([4, 5])('reads the client id of an MQTT %i CONNECT', (level) => {
    expect(connectClientId(connectPacket('sim-ab12-7', level))).toBe('sim-ab12-7');
  });
});

describe('startFaultProxy', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function through(faults: FaultPlan): Promise<{ proxy: FaultProxy; device: Socket; broker: Awaited<ReturnType<typeof recordingBroker>> }> {
    const broker = await recordingBroker();
    const proxy = await startFaultProxy({ broker: broker.url, faults, seed: 3 });
    const device = connect(Number(new URL(proxy.url).port), '127.0.0.1');
    device.on('error', () => undefined);
    await once(device, 'connect');
    cleanups.push(async () => {
      broker.server.close();
      await once(broker.server, 'close');
    });
    cleanups.push(() => proxy.close());
    cleanups.push(() => void device.destroy());
    return { proxy, device, broker };
  }

  it('drops every PUBLISH with drop 1, and passes every other packet', async () => {
    const { device, broker, proxy } = await through({ drop: 1 });
    const pinged = broker.next(12);
    device.write(Buffer.concat([connectPacket('dev-1'), publishPacket('a/b', 'x', 1), publishPacket('a/b', 'y', 2), PINGREQ]));
    await pinged;
    expect(broker.packets.map((p) => (p[0] ?? 0) >> 4)).toEqual([1, 12]);
    expect(proxy.counts).toMatchObject({ connections: 1, dropped: 2 });
  });

  it('sends every PUBLISH twice with duplicate 1, the copy flagged DUP', async () => {
    const { device, broker } = await through({ duplicate: 1 });
    const pinged = broker.next(12);
    const publish = publishPacket('a/b', 'x', 1);
    device.write(Buffer.concat([connectPacket('dev-1'), publish, PINGREQ]));
    await pinged;
    expect(broker.packets.slice(1)).toEqual([publish, Buffer.from([publish[0]! | 0x08, ...publish.subarray(1)]), PINGREQ]);
  });

  it('holds packets for the delay and keeps their order, a CONNECT written byte by byte included', async () => {
    const { device, broker } = await through({ delayMs: [20, 40] });
    const pinged = broker.next(12);
    const sentAt = Date.now();
    for (const byte of connectPacket('dev-1')) device.write(Buffer.from([byte]));
    device.write(Buffer.concat([publishPacket('a/b', 'x', 1), publishPacket('a/b', 'y', 2), PINGREQ]));
    await pinged;
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(20);
    expect(broker.packets.map((p) => p.subarray(-1).toString())).toEqual([String.fromCharCode(...connectPacket('dev-1').subarray(-1)), 'x', 'y', '\0']);
  });

  it('applies a per-device plan by the CONNECT client id, and cuts a device by its id', async () => {
    const asked: string[] = [];
    const { device, broker, proxy } = await through((clientId) => {
      asked.push(clientId);
      return clientId === 'dropper' ? { drop: 1 } : {};
    });
    const pinged = broker.next(12);
    device.write(Buffer.concat([connectPacket('keeper'), publishPacket('a/b', 'x', 1), PINGREQ]));
    await pinged;
    expect(asked).toEqual(['keeper']);
    expect(broker.packets.map((p) => (p[0] ?? 0) >> 4)).toEqual([1, 3, 12]);
    const closed = once(device, 'close');
    proxy.cut('keeper');
    await closed;
    expect(proxy.counts.cuts).toBe(1);
  });

  it('cuts connections at the asked rate', async () => {
    const { device, proxy } = await through({ cutsPerSecond: 1000 });
    const closed = once(device, 'close');
    device.write(connectPacket('dev-1'));
    await closed;
    expect(proxy.counts.cuts).toBe(1);
  });

  it.each([
    [{ broker: 'ws://127.0.0.1:1/mqtt', faults: { drop: 0.1 } }],
    [{ broker: 'mqtt://127.0.0.1:1', faults: { drop: 2 } }],
    [{ broker: 'mqtt://127.0.0.1:1', faults: { delayMs: [5, 1] as const } }],
  ])('refuses %j with BAD_OPTIONS', async (options) => {
    expect(await codeOfAsync(() => startFaultProxy(options))).toBe('STEAD_E_BAD_OPTIONS');
  });
});
