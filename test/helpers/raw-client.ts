import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame } from '../../shared/wire/codec.js';
import type { Frame } from '../../shared/wire/frames.js';

/**
 * A plain mqtt.js client speaking frames by hand: for tests that send what a Stead device never
 * would (duplicates, gaps, garbage).
 */
export interface RawClient {
  readonly client: MqttClient;
  publish(topic: string, payload: Uint8Array): Promise<void>;
  subscribe(topic: string): Promise<void>;
  /** The next frame on a topic that satisfies the predicate. */
  nextFrame(topic: string, predicate?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Every frame received on a topic so far (decoded). */
  frames(topic: string): Frame[];
  close(): Promise<void>;
}

export async function connectRaw(url: string): Promise<RawClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, clean: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const received = new Map<string, Frame[]>();
  const waiters: { topic: string; predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  client.on('message', (topic, payload) => {
    const frame = decodeFrame(payload);
    const list = received.get(topic) ?? [];
    list.push(frame);
    received.set(topic, list);
    for (const waiter of [...waiters]) {
      if (waiter.topic === topic && waiter.predicate(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  });
  return {
    client,
    publish: (topic, payload) =>
      new Promise((resolve, reject) => client.publish(topic, payload as Buffer, { qos: 1 }, (e) => (e ? reject(e) : resolve()))),
    subscribe: (topic) =>
      new Promise((resolve, reject) => client.subscribe(topic, { qos: 1 }, (e) => (e ? reject(e) : resolve()))),
    nextFrame: (topic, predicate = () => true, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame on ${topic} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          topic,
          predicate,
          resolve: (frame) => {
            clearTimeout(timer);
            resolve(frame);
          },
        });
      }),
    frames: (topic) => received.get(topic) ?? [],
    close: () => client.endAsync(true),
  };
}
