import { once } from 'node:events';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { LIMITS } from '../../shared/limits.js';
import { startBroker } from '../helpers/broker.js';
import { HonestDevice } from '../helpers/honest-device.js';

/**
 * WebSocket frames before authentication. ws buffers a whole message before it hands it on,
 * 100 MiB by default: four unauthenticated connections took a broker from 102 to 483 MiB. The
 * MQTT packet cap holds for WebSocket messages too (broker/host/listeners.ts): one message
 * larger than a packet may be, in one frame or fragmented over many, closes its WebSocket
 * (1009), counted as `dropped.oversize`; compression is never negotiated, so a small frame
 * cannot inflate past the cap.
 */
/** Over the cap (a 64 KiB frame plus MQTT's overhead) by far, under ws' default of 100 MiB. */
const HUGE = 8 * 1024 * 1024;

describe('WebSocket frames before authentication', () => {
  let broker: SteadBroker;
  let honest: HonestDevice;

  beforeEach(async () => {
    broker = await startBroker({ auth: {}, listeners: [{ protocol: 'mqtt', port: 0 }, { protocol: 'ws', port: 0 }] });
    honest = await HonestDevice.start(broker);
  });

  afterEach(async () => {
    await honest.device.close();
    await broker.close();
  });

  async function openWebSocket(options: { perMessageDeflate?: boolean } = {}): Promise<WebSocket> {
    const socket = new WebSocket(`ws://127.0.0.1:${broker.listeners[1]?.port ?? 0}/mqtt`, 'mqtt', { perMessageDeflate: options.perMessageDeflate ?? false });
    socket.on('error', () => {});
    await once(socket, 'open');
    return socket;
  }

  function closeCode(socket: WebSocket): Promise<number> {
    return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  it('one 8 MiB frame is refused with 1009 on its header and counted', async () => {
    const socket = await openWebSocket();
    const closed = closeCode(socket);
    socket.send(Buffer.alloc(HUGE, 0x10));
    expect(await closed).toBe(1009);
    expect(broker.metrics.get('dropped.oversize')).toBe(1);
    await honest.stop(5);
  });

  it('one message fragmented over many small frames is refused once the fragments sum past the cap, counted', async () => {
    const socket = await openWebSocket();
    const closed = closeCode(socket);
    const fragment = Buffer.alloc(4096, 0x10);
    const frames = Math.ceil((LIMITS.maxFrameBytes * 4) / fragment.length);
    let sent = 0;
    for (; sent < frames && socket.readyState === WebSocket.OPEN; sent++) socket.send(fragment, { binary: true, fin: false });
    if (socket.readyState === WebSocket.OPEN) socket.send(fragment, { binary: true, fin: true });
    expect(await closed).toBe(1009);
    expect(broker.metrics.get('dropped.oversize')).toBe(1);
    await honest.stop(5);
  });

  it('permessage-deflate is never negotiated (a small compressed frame cannot inflate past the cap)', async () => {
    const socket = await openWebSocket({ perMessageDeflate: true });
    expect(socket.extensions).toBe('');
    socket.close();
    await honest.stop(3);
  });

  it('a message within the cap is taken as MQTT as before (an honest WebSocket device)', async () => {
    const socket = await openWebSocket();
    // A PINGREQ before CONNECT is a protocol error to aedes: the connection closes, normally, not for size.
    const closed = closeCode(socket);
    socket.send(Buffer.from([0xc0, 0x00]));
    expect(await closed).not.toBe(1009);
    expect(broker.metrics.get('dropped.oversize')).toBe(0);
    await honest.stop(3);
  });
});
