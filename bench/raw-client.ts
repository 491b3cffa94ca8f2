import { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { BenchClient } from './bench-client.js';
import type { LatencyRecorder } from './stats.js';

/**
 * The baseline: a plain mqtt.js client doing QoS 1 request/response through aedes, closed loop.
 * Same connection options as a Stead device (clean session, no auto-reconnect, NODELAY).
 */
export class RawClient implements BenchClient {
  failures = 0;
  readonly #client: MqttClient;
  readonly #inTopic: string;
  readonly #payload: Buffer;
  readonly #recorder: LatencyRecorder;
  #sentAt = 0;
  #running = false;
  #inflight = false;
  #idle: (() => void) | null = null;

  private constructor(client: MqttClient, inTopic: string, payload: Buffer, recorder: LatencyRecorder) {
    this.#client = client;
    this.#inTopic = inTopic;
    this.#payload = payload;
    this.#recorder = recorder;
    client.on('message', () => this.#onReply());
    client.on('error', () => this.failures++);
  }

  /** `prefix` is `raw` or `rawsync` (the echo that syncs to disk first, see raw-echo.ts). */
  static async open(url: string, clientId: string, prefix: string, index: number, payload: Buffer, recorder: LatencyRecorder): Promise<RawClient> {
    // Logging off as in Stead's device (mqtt.js otherwise formats every packet for `debug`).
    const client = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0, keepalive: 30, connectTimeout: 30_000, log: () => undefined });
    if (client.stream instanceof Socket) client.stream.setNoDelay(true);
    await client.subscribeAsync(`${prefix}/${index}/out`, { qos: 1 });
    return new RawClient(client, `${prefix}/${index}/in`, payload, recorder);
  }

  start(): void {
    this.#running = true;
    this.#send();
  }

  stop(): Promise<void> {
    this.#running = false;
    if (!this.#inflight) return Promise.resolve();
    return new Promise((resolve) => (this.#idle = resolve));
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }

  #send(): void {
    this.#inflight = true;
    this.#sentAt = performance.now();
    this.#client.publish(this.#inTopic, this.#payload, { qos: 1 });
  }

  #onReply(): void {
    this.#recorder.record(this.#sentAt, performance.now());
    this.#inflight = false;
    if (this.#running) this.#send();
    else this.#idle?.();
  }
}
