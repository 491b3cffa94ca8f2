import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { connectCredentials, DEFAULT_AUDIENCE } from '../../device/identity/connect-credentials.js';
import { systemClock } from '../../shared/clock.js';
import type { DeviceKey } from '../../shared/identity/key-pair.js';
import { bytesEqual } from '../../shared/bytes.js';
import { createTopics } from '../../shared/topics.js';
import { decodeFrame, encodeCall, encodeFrame, parseBegun } from '../../shared/wire/codec.js';
import {
  Kind,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  type Begun,
  type ErrorFrame,
  type Frame,
  type ReplyFrame,
} from '../../shared/wire/frames.js';

/**
 * Sessions spoken frame by frame, for tests that send what a Stead device never would
 * (duplicates, gaps, garbage, forgeries): a plain mqtt.js client, frame helpers, and a
 * `RawSession` that speaks one logical session's begin / call / end by hand.
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

interface Waiter {
  topic: string;
  predicate: (frame: Frame) => boolean;
  resolve: (frame: Frame) => void;
}

/** `key`: sign the CONNECT with it, for a broker with keys (a `stead broker` child). */
export async function connectRaw(url: string, key?: DeviceKey): Promise<RawClient> {
  const clientId = `${key ? `${key.device}/` : ''}raw-${randomBytes(6).toString('hex')}`;
  const credentials = key ? connectCredentials(key, clientId, DEFAULT_AUDIENCE, systemClock) : {};
  const client = mqtt.connect(url, { reconnectPeriod: 0, clean: true, clientId, ...credentials });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const received = new Map<string, Frame[]>();
  const waiters: Waiter[] = [];
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

/** A fresh begin token (or a nonce the proxy never gave). */
export function token(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

export function asReply(frame: Frame): ReplyFrame {
  if (frame.kind !== Kind.reply) throw new Error(`expected a reply frame, got kind ${frame.kind}`);
  return frame;
}

export function asError(frame: Frame): ErrorFrame {
  if (frame.kind !== Kind.error) throw new Error(`expected an error frame, got kind ${frame.kind}`);
  return frame;
}

/** Whether a frame is the reply or error answering (ref, seq). */
export function isAnswer(frame: Frame, ref: Uint8Array, seq: number): boolean {
  return (frame.kind === Kind.reply || frame.kind === Kind.error) && bytesEqual(frame.ref, ref) && frame.seq === seq;
}

export function beginBytes(ref: Uint8Array, version = PROTOCOL_VERSION, info: unknown = null): Buffer {
  return encodeFrame({ kind: Kind.begin, version, token: ref, info });
}

const topics = createTopics();

/** One logical session of a proxy (`toaster/shop`, session `till`), spoken frame by frame. */
export class RawSession {
  readonly raw: RawClient;
  /** The request topic (device → proxy) and the reply topic (proxy → device). */
  readonly in: string;
  readonly out: string;

  constructor(raw: RawClient, proxy: string, session: string) {
    const [app = '', id = ''] = proxy.split('/');
    this.raw = raw;
    this.in = topics.inbound(app, id, session);
    this.out = topics.outbound(app, id, session);
  }

  /** A new raw client, subscribed to the session's out topic. */
  static async open(url: string, proxy: string, session: string): Promise<RawSession> {
    const rawSession = new RawSession(await connectRaw(url), proxy, session);
    await rawSession.raw.subscribe(rawSession.out);
    return rawSession;
  }

  publish(bytes: Uint8Array): Promise<void> {
    return this.raw.publish(this.in, bytes);
  }

  /** The reply or error answering (ref, seq): seq 0 and the begin token for a begin. */
  answer(ref: Uint8Array, seq: number, timeoutMs?: number): Promise<Frame> {
    return this.raw.nextFrame(this.out, (f) => isAnswer(f, ref, seq), timeoutMs);
  }

  /** Sends a begin (of a protocol version) and resolves with its answer: a reply or an error. */
  async sendBegin(version = PROTOCOL_VERSION, ref: Uint8Array = token()): Promise<Frame> {
    const next = this.answer(ref, 0);
    await this.publish(beginBytes(ref, version, { agent: 'test' }));
    return next;
  }

  /** Sends a begin and resolves with its reply, decoded. */
  async begin(ref: Uint8Array = token()): Promise<Begun> {
    return parseBegun(asReply(await this.sendBegin(PROTOCOL_VERSION, ref)).value);
  }

  /** Publishes a call without waiting for its answer. */
  send(nonce: Uint8Array, seq: number, method: string, args: unknown[], answered = seq - 1): Promise<void> {
    return this.publish(encodeCall(nonce, seq, answered, method, args));
  }

  async call(nonce: Uint8Array, seq: number, method: string, args: unknown[], answered = seq - 1): Promise<Frame> {
    const next = this.answer(nonce, seq);
    await this.send(nonce, seq, method, args, answered);
    return next;
  }

  async end(nonce: Uint8Array, seq: number): Promise<Frame> {
    const next = this.answer(nonce, seq);
    await this.publish(encodeFrame({ kind: Kind.end, nonce, seq }));
    return next;
  }

  /** Every frame on the out topic so far, in arrival order: `reply:seq`, `CODE:seq`, `notify:seq`. */
  answers(): string[] {
    return this.raw.frames(this.out).map((f) => {
      if (f.kind === Kind.reply) return `reply:${f.seq}`;
      if (f.kind === Kind.error) return `${f.code}:${f.seq}`;
      return f.kind === Kind.notify ? `notify:${f.seq}` : `kind${f.kind}`;
    });
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}
