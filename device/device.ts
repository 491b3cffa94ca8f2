import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.js';
import { DEFAULT_AUDIENCE, DEFAULT_ROOT } from '../shared/defaults.js';
import { SteadError } from '../shared/errors.js';
import { LIMITS, type Limits } from '../shared/limits.js';
import { parseProxyAddress, assertName } from '../shared/names.js';
import { toHex } from '../shared/bytes.js';
import { definedOnly, parseOptions } from '../shared/options.js';
import { systemRandom, type Random } from '../shared/random.js';
import { createTopics, type Topics } from '../shared/topics.js';
import { Backoff } from './backoff.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_KEEPALIVE_SEC, deviceOptionsSchema, type DeviceOptions } from './device-options.js';
import { openMqttClient } from './mqtt-connect.js';
import { ResourceClient, type ResourceClientOptions } from './resources/resource-client.js';
import { connectCredentials, isCredentialRefusal } from './identity/connect-credentials.js';
import { readKeyFile } from './identity/key-file.js';
import type { DeviceKey } from '../shared/identity/key-pair.js';
import { DeviceSession } from './session/device-session.js';
import type { SessionLink, SessionOptions } from './session/types.js';

export type { DeviceOptions } from './device-options.js';

export interface DeviceEvents {
  connect: [];
  /** The broker refused the key (CONNACK 4 or 5); the device keeps retrying with fresh tokens. */
  refused: [SteadError];
  disconnect: [];
  error: [Error];
}

/**
 * A device: one MQTT connection shared by its sessions. Reconnects with exponential backoff and
 * jitter; on every (re)connect each session resubscribes, says hello, and resends what is pending.
 */
export class Device extends EventEmitter<DeviceEvents> {
  readonly topics: Topics;
  readonly clientId: string;
  readonly #client: MqttClient;
  readonly #sessions = new Map<string, DeviceSession>();
  /** Clients of proxies' session address spaces (DESIGN §6), by the out topic of their channel. */
  readonly #resources = new Map<string, ResourceClient>();
  readonly #backoff: Backoff;
  readonly #options: DeviceOptions;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #limits: Limits;
  readonly #key: DeviceKey | null;
  #reconnectTimer: TimerHandle | null = null;
  #closed = false;

  constructor(given: DeviceOptions) {
    super();
    const options = parseOptions(deviceOptionsSchema, given, 'BAD_OPTIONS');
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#limits = { ...LIMITS, ...definedOnly(options.limits ?? {}) };
    this.topics = createTopics(options.root ?? DEFAULT_ROOT);
    this.#key = typeof options.key === 'string' ? readKeyFile(options.key) : options.key ?? null;
    this.clientId = options.clientId ?? `${this.#key ? `${this.#key.device}/` : 'stead-'}${toHex(this.#random.nonce())}`;
    this.#backoff = new Backoff(options.reconnect ?? {}, this.#random);
    this.#client = openMqttClient(options.url, {
      // mqtt.js logs every packet through `debug` unless given a logger: ~5% of a device's CPU.
      log: noLog,
      ...options.mqtt,
      ...this.#credentials(),
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      keepalive: options.keepaliveSec ?? DEFAULT_KEEPALIVE_SEC,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    // The PUBACK of a reply is written from a microtask, not at once: mqtt-packet corks the socket
    // until the next process.nextTick, which runs only after every microtask, so a call the app
    // makes as soon as its promise resolves shares the PUBACK's write (one syscall, not two).
    this.#client.handleMessage = (_packet, done) => queueMicrotask(() => done());
    this.#client.on('connect', () => this.#onConnect());
    this.#client.on('close', () => this.#onClose());
    this.#client.on('error', (error) => {
      if (isCredentialRefusal(error)) this.emit('refused', new SteadError('NOT_AUTHORIZED', `${options.url} refused the connection: ${error.message}`, { cause: error }));
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    this.#client.on('message', (topic, payload) => {
      // A resource answer goes to its client; everything else on the topic to its session.
      if (this.#resources.get(topic)?.receive(payload)) return;
      this.#sessions.get(topic)?.receive(payload);
    });
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  /** A logical session of a proxy (`<app>/<id>`), named by the client (DESIGN §3). */
  session(proxy: string, name: string, options: SessionOptions = {}): DeviceSession {
    if (this.#closed) throw new SteadError('CLOSED', 'device is closed');
    const { app, id } = parseProxyAddress(proxy);
    assertName('session', name);
    const outTopic = this.topics.outbound(app, id, name);
    if (this.#sessions.has(outTopic)) throw new SteadError('BAD_OPTIONS', `session ${proxy} ${name} is already open on this device`);
    const session = new DeviceSession(this.#link(outTopic, this.topics.inbound(app, id, name), this.#sessions), proxy, name, {
      ...this.#options.session,
      ...options,
    });
    this.#sessions.set(outTopic, session);
    if (this.connected) session.attach();
    return session;
  }

  /**
   * A client of the proxy's session address space `session:<app>/<id>/…` (DESIGN §6): NEW,
   * SOURCE, SINK, EXISTS, DELETE and the listings, on a channel session of its own.
   */
  resources(proxy: string, options: ResourceClientOptions = {}): ResourceClient {
    if (this.#closed) throw new SteadError('CLOSED', 'device is closed');
    const { app, id } = parseProxyAddress(proxy);
    const channel = options.channel ?? `r-${toHex(this.#random.nonce())}`;
    assertName('session', channel);
    const outTopic = this.topics.outbound(app, id, channel);
    if (this.#resources.has(outTopic)) throw new SteadError('BAD_OPTIONS', `a resource client of ${proxy} on ${channel} is already open`);
    const client = new ResourceClient(this.#link(outTopic, this.topics.inbound(app, id, channel), this.#resources), proxy, channel, options);
    this.#resources.set(outTopic, client);
    if (this.connected) client.attach();
    return client;
  }

  /** Resolves once connected (immediately if already). */
  async ready(timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
    if (this.connected) return;
    if (this.#closed) throw new SteadError('CLOSED', 'device is closed');
    await new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.off('connect', onConnect);
        this.off('refused', onRefused);
        reject(new SteadError('UNREACHABLE', `no connection to ${this.#options.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnect = (): void => {
        this.#clock.clearTimeout(timer);
        this.off('refused', onRefused);
        resolve();
      };
      // A refused key is an answer: waiting out the timeout would only hide it.
      const onRefused = (error: SteadError): void => {
        this.#clock.clearTimeout(timer);
        this.off('connect', onConnect);
        reject(error);
      };
      this.once('connect', onConnect);
      this.once('refused', onRefused);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer) this.#clock.clearTimeout(this.#reconnectTimer);
    // Blob writes in flight finish before close resolves: a file is never left half-renamed.
    const blobs = [...this.#sessions.values()].map((session) => session.blobsWritten());
    for (const session of this.#sessions.values()) session.shutdown();
    this.#sessions.clear();
    for (const client of this.#resources.values()) client.shutdown();
    this.#resources.clear();
    await this.#client.endAsync(true);
    await Promise.all(blobs);
  }

  #onConnect(): void {
    // Without NODELAY every request waits on Nagle + delayed ACK (~40 ms per round trip).
    (this.#client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    this.#backoff.reset();
    this.emit('connect');
    for (const session of this.#sessions.values()) session.attach();
    for (const client of this.#resources.values()) client.attach();
  }

  #onClose(): void {
    for (const session of this.#sessions.values()) session.detach();
    for (const client of this.#resources.values()) client.detach();
    if (this.#closed || this.#reconnectTimer) return;
    this.emit('disconnect');
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#closed) return;
      // Each CONNECT carries a fresh token: a token is single use (DESIGN §7).
      Object.assign(this.#client.options, this.#credentials());
      this.#client.reconnect();
    }, this.#backoff.next());
  }

  #credentials(): { username?: string; password?: Buffer } {
    if (!this.#key) return {};
    return connectCredentials(this.#key, this.clientId, this.#options.audience ?? DEFAULT_AUDIENCE, this.#clock);
  }

  /** What a session or resource client needs of the connection; `table` is where it is kept. */
  #link(outTopic: string, inTopic: string, table: Map<string, unknown>): SessionLink {
    const client = this.#client;
    return {
      clock: this.#clock,
      random: this.#random,
      limits: this.#limits,
      agent: this.#options.agent ?? 'stead-device',
      connected: () => client.connected,
      publish: (payload) => {
        if (client.connected) client.publish(inTopic, payload as Buffer, { qos: 1 });
      },
      subscribe: () =>
        new Promise((resolve, reject) => {
          client.subscribe(outTopic, { qos: 1 }, (error, granted) => {
            // mqtt.js 5 reports a SUBACK of 128 as an error carrying the SUBACK; older versions as
            // granted qos 128. An error without a SUBACK is the connection lost before the answer:
            // not a refusal (the session subscribes again on the next connect).
            if (granted?.[0]?.qos === 128 || (error && (error as { packet?: unknown }).packet)) {
              return reject(new SteadError('REFUSED', `subscription to ${outTopic} refused`, { cause: error }));
            }
            if (error) return reject(error);
            resolve();
          });
        }),
      forget: () => {
        table.delete(outTopic);
        // Unsubscribed only when no session or client of this device still uses the topic.
        if (client.connected && !this.#sessions.has(outTopic) && !this.#resources.has(outTopic)) client.unsubscribe(outTopic);
      },
    };
  }
}

function noLog(): void {}

/** Connects a device to a broker; resolves once the first connection is up. */
export async function connectDevice(options: DeviceOptions): Promise<Device> {
  const device = new Device(options);
  try {
    await device.ready();
  } catch (error) {
    await device.close();
    throw error;
  }
  return device;
}

