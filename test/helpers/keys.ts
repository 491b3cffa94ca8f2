import { connect as connectTcp } from 'node:net';
import { once } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { SteadBroker } from '../../broker/index.js';
import type { GrantOptions } from '../../broker/index.js';
import { newDeviceKey, signConnectToken, type DeviceKey } from '../../shared/identity/index.js';
import { randomBytes } from 'node:crypto';

/** Makes a key for `device` and registers it with the broker (auth on); `grants` as `stead keys grant`. */
export async function grantNewKey(broker: SteadBroker, device: string, grants: Omit<GrantOptions, 'publicKey'> = {}): Promise<DeviceKey> {
  const key = newDeviceKey(device);
  if (!broker.auth.keys) throw new Error('the broker runs without auth');
  await broker.auth.keys.grant(device, { ...grants, publicKey: key.publicKey });
  return key;
}

/** A token as a device signs it, with every part overridable for forgeries. */
export function tokenFor(key: DeviceKey, clientId: string, parts: { audience?: string; timestamp?: number; nonce?: Uint8Array } = {}): string {
  return signConnectToken(key, clientId, parts.audience ?? 'stead', parts.timestamp ?? Date.now(), parts.nonce ?? new Uint8Array(randomBytes(16)));
}

export interface Attempt {
  /** The CONNACK return code (0 accepted). */
  readonly code: number;
  readonly sessionPresent: boolean;
  /** The connected client (closed by the caller), or null when refused. */
  readonly client: MqttClient | null;
}

/** One CONNECT with a plain mqtt.js client (no reconnects): its CONNACK code, and the client if accepted. */
export async function attempt(url: string, options: IClientOptions): Promise<Attempt> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  return new Promise<Attempt>((resolve, reject) => {
    client.once('connect', (connack) => resolve({ code: 0, sessionPresent: connack.sessionPresent, client }));
    client.once('error', (error) => {
      client.end(true);
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number') resolve({ code, sessionPresent: false, client: null });
      else reject(error);
    });
  });
}

/** A keyed mqtt.js client: username the device id, a fresh token for its client id. */
export function keyed(key: DeviceKey, clientId = `${key.device}/${randomBytes(4).toString('hex')}`, extra: IClientOptions = {}): IClientOptions {
  return { clientId, username: key.device, password: Buffer.from(tokenFor(key, clientId)), ...extra };
}

/** Sends a raw CONNECT (what mqtt.js will not send) and returns the CONNACK's return code. */
export async function rawConnack(port: number, connect: Omit<mqttPacket.IConnectPacket, 'cmd'>): Promise<number> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    const packet = mqttPacket.generate({ cmd: 'connect', ...connect, clean: true });
    // mqtt-packet will not write an empty client id with clean session 0: clear the flag by hand
    // (fixed header 2 bytes, protocol name 6, level 1, then the connect flags; clean is bit 1).
    if (!connect.clean) packet[9] = (packet[9] ?? 0) & ~0x02;
    socket.write(packet);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    // CONNACK: 0x20, remaining length 2, flags, return code.
    if (chunk[0] !== 0x20) throw new Error(`expected a CONNACK, got ${chunk.toString('hex')}`);
    return chunk[3] ?? -1;
  } finally {
    socket.destroy();
  }
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** Publishes at QoS 1 and resolves with 'acked', or 'closed' when the broker drops the connection instead (a refused publish in 3.1.1). */
export function publishOutcome(client: MqttClient, topic: string, payload: string | Buffer, retain = false): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    client.once('close', () => resolve('closed'));
    client.publish(topic, payload, { qos: 1, retain }, (error) => resolve(error ? 'closed' : 'acked'));
  });
}

/** Subscribes and resolves with the granted QoS (128: refused). */
export function subscribeOutcome(client: MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number> {
  return new Promise((resolve, reject) => {
    client.subscribe(filter, { qos }, (error, granted) => {
      // mqtt.js 5 reports a SUBACK of 128 as an error carrying the SUBACK.
      const packet = (error as { packet?: { granted?: number[] } } | undefined)?.packet;
      if (packet?.granted?.[0] !== undefined) return resolve(packet.granted[0]);
      const code = granted?.[0]?.qos;
      if (!error && typeof code === 'number') return resolve(code);
      reject(error ?? new Error('no SUBACK'));
    });
  });
}
