import { DeviceSession } from '../../device/session/device-session.js';
import type { SessionLink, SessionOptions } from '../../device/session/types.js';
import { type ErrorKey, code } from '../../shared/errors.js';
import { LIMITS, type Limits } from '../../shared/limits.js';
import type { Random } from '../../shared/random.js';
import { begunValue, decodeFrame, encodeFrame } from '../../shared/wire/codec.js';
import { Kind, NONCE_BYTES, type BeginFrame, type CallFrame, type EndFrame, type Frame } from '../../shared/wire/frames.js';
import { ManualClock } from './manual-clock.js';

/** Nonces 1, 2, 3, … (each in its last byte): a test can name the instance it expects. */
export function counterRandom(): Random {
  let next = 0;
  return {
    nonce: () => {
      const bytes = new Uint8Array(NONCE_BYTES);
      bytes[NONCE_BYTES - 1] = ++next;
      return bytes;
    },
    fraction: () => 0.5,
  };
}

/**
 * A session link with no broker and no socket: what the session publishes is decoded into
 * `sent`, the clock moves only when told, and the connection is up while `online` is.
 */
export class OfflineLink implements SessionLink {
  readonly clock = new ManualClock();
  readonly random = counterRandom();
  readonly agent = 'offline';
  readonly limits: Limits;
  readonly sent: Frame[] = [];
  online = true;

  constructor(limits: Partial<Limits> = {}) {
    this.limits = { ...LIMITS, ...limits };
  }

  connected(): boolean {
    return this.online;
  }

  publish(payload: Uint8Array): void {
    this.sent.push(decodeFrame(payload, this.limits.maxFrameBytes));
  }

  subscribe(): Promise<void> {
    return Promise.resolve();
  }

  forget(): void {}
}

/** How a promise of the session came out, readable at any moment without awaiting it. */
export interface Outcome {
  state: 'pending' | 'resolved' | 'rejected';
  value?: unknown;
  code?: string;
}

export function track(promise: Promise<unknown>): Outcome {
  const outcome: Outcome = { state: 'pending' };
  promise.then(
    (value) => Object.assign(outcome, { state: 'resolved', value }),
    (error: { code?: string }) => Object.assign(outcome, { state: 'rejected', code: error.code }),
  );
  return outcome;
}

/** Lets the session's promise callbacks (subscribe, settled calls) run. */
export function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A DeviceSession on an OfflineLink, attached, with helpers that play the proxy. */
export class OfflineSession {
  readonly link: OfflineLink;
  readonly session: DeviceSession;

  constructor(options: SessionOptions = {}, limits: Partial<Limits> = {}) {
    this.link = new OfflineLink(limits);
    this.session = new DeviceSession(this.link, 'offline/one', 'main', options);
  }

  static async open(options: SessionOptions = {}, limits: Partial<Limits> = {}): Promise<OfflineSession> {
    const offline = new OfflineSession(options, limits);
    offline.session.attach();
    await drain();
    return offline;
  }

  /** The call frames sent so far, in order (resends included). */
  get calls(): CallFrame[] {
    return this.link.sent.filter((frame): frame is CallFrame => frame.kind === Kind.call);
  }

  get begins(): BeginFrame[] {
    return this.link.sent.filter((frame): frame is BeginFrame => frame.kind === Kind.begin);
  }

  get ends(): EndFrame[] {
    return this.link.sent.filter((frame): frame is EndFrame => frame.kind === Kind.end);
  }

  /** Answers the last begin sent, with a new instance whose nonce is returned. */
  answerBegin(memento: unknown = null, crashed = false): Uint8Array {
    const begin = this.begins.at(-1);
    if (!begin) throw new Error('no begin was sent');
    const nonce = this.link.random.nonce();
    this.receive({ kind: Kind.reply, ref: begin.token, seq: 0, value: begunValue({ nonce, memento, crashed }) });
    return nonce;
  }

  /** The proxy's reply to a call of the current instance. */
  reply(seq: number, value: unknown = `reply ${seq}`, nonce = this.session.nonce): void {
    if (!nonce) throw new Error('no instance');
    this.receive({ kind: Kind.reply, ref: nonce, seq, value });
  }

  /** The proxy's error frame for a request of `ref` (the current nonce by default). */
  refuse(seq: number, key: ErrorKey, ref: Uint8Array | null = this.session.nonce): void {
    this.receive({ kind: Kind.error, ref, seq, code: code(key), message: key, data: null });
  }

  receive(frame: Frame): void {
    this.session.receive(encodeFrame(frame));
  }

  /** The connection drops and comes back: the session subscribes again and resends. */
  async reconnect(): Promise<void> {
    this.link.online = false;
    this.session.detach();
    this.link.online = true;
    this.session.attach();
    await drain();
  }
}
