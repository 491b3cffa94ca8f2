import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { decodeFrame } from '../../shared/wire/codec.js';
import { isPlainData } from '../../shared/wire/plain-data.js';
import type { Answer } from './answers/answer.js';
import { answerTo } from './answers/dispatch.js';
import { BlobKeeping, type BlobOutcome } from './blob-keeping.js';
import { CallFlow } from './call-flow.js';
import { Instance } from './instance.js';
import type { NotificationOptions } from './notification-cursor.js';
import { NotificationDelivery, type NotifyHandler } from './notifications.js';
import { Outbox } from './outbox.js';
import { SessionState } from './session-state.js';
import type { BeginResult, SessionLink, SessionOptions } from './types.js';

type ErrorHandler = (error: unknown) => void;

/**
 * The device side of a logical session (DESIGN §4): begin / call / end with an in-flight window,
 * retries with the same seq until the deadline (duplicates are answered from the proxy's reply
 * cache), and notifications delivered in order and acknowledged.
 *
 * This class is the session's face and wiring. Its parts: the instance's lifecycle (instance.ts),
 * the calls (call-flow.ts, call-window.ts), what is sent and resent (outbox.ts), what an incoming
 * frame means (answers/), notification delivery (notifications.ts) and sealed blobs kept on disk
 * (blob-keeping.ts); the state they share is session-state.ts.
 */
export class DeviceSession {
  readonly proxy: string;
  readonly name: string;
  readonly #link: SessionLink;
  readonly #limits: Limits;
  readonly #deadlineMs: number;
  readonly #state: SessionState;
  readonly #notifications: NotificationDelivery;
  readonly #outbox: Outbox;
  readonly #calls: CallFlow;
  readonly #instance: Instance;
  readonly #errorHandlers: ErrorHandler[] = [];
  #attaching = 0;

  constructor(link: SessionLink, proxy: string, name: string, options: SessionOptions) {
    this.#link = link;
    this.#limits = link.limits;
    this.proxy = proxy;
    this.name = name;
    this.#deadlineMs = options.deadlineMs ?? link.limits.callDeadlineMs;
    const window = Math.min(Math.max(1, options.window ?? 1), link.limits.maxWindow);
    const blobs = options.blobDir ? new BlobKeeping(options.blobDir, proxy, name) : null;
    const state = (this.#state = new SessionState(window, options.autoBegin ?? true, blobs));
    const notifications = (this.#notifications = new NotificationDelivery({
      clock: link.clock,
      agent: link.agent,
      nonce: () => state.nonce,
      publish: (bytes) => link.publish(bytes),
      resync: () => this.#outbox.hello(),
      resyncLater: () => this.#outbox.armRetry(),
      onError: (error) => this.#reportError(error),
    }));
    if (options.notifications) notifications.configure(options.notifications);
    const outbox = (this.#outbox = new Outbox(state, link, notifications, options.retryMs ?? 1000));
    const calls = (this.#calls = new CallFlow(state, link, outbox, {
      beginIfNeeded: (needed) => this.#instance.beginIfNeeded(needed),
      instanceOver: (error) => this.#instance.instanceOver(error),
    }));
    this.#instance = new Instance(state, link, { outbox, calls, notifications }, this.#deadlineMs);
  }

  /** What the proxy said of the last blob presented (docs/sessions.md); null without blobs. */
  get blobOutcome(): BlobOutcome | null {
    return this.#state.blobs?.last ?? null;
  }

  /** Resolves once every sealed blob received so far is on disk. */
  async blobsWritten(): Promise<void> {
    await this.#state.blobs?.flushed();
  }

  /** The current instance's nonce, or null before begin and after end. */
  get nonce(): Uint8Array | null {
    return this.#state.nonce;
  }

  /** The seq the next call will be sent under, when no call is waiting. */
  get nextSeq(): number {
    return this.#state.calls.peekSeq();
  }

  /** The answer of the last begin: the memento and whether the previous instance crashed. */
  get lastBegin(): BeginResult | null {
    return this.#state.lastBegin;
  }

  /**
   * Takes up an instance begun earlier, by this or another process (`stead call` resuming from
   * its journal), without a begin: the next call goes out under `nextSeq` with that nonce, so a
   * call sent again under its old seq is answered from the proxy's reply cache (DESIGN §4 rule 3).
   */
  adopt(nonce: Uint8Array, nextSeq: number): void {
    this.#instance.adopt(nonce, nextSeq);
  }

  /** Starts a new instance, fencing every older one; returns the memento and `crashed`. */
  begin(info: unknown = null): Promise<BeginResult> {
    return this.#instance.begin(info);
  }

  /** Calls a proxy method with the session's deadline. */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.invoke(method, args);
  }

  /** Calls a proxy method; `deadlineMs` overrides the session's. */
  invoke(method: string, args: unknown[], options: { deadlineMs?: number } = {}): Promise<unknown> {
    if (this.#state.closed) return Promise.reject(new SteadError('CLOSED', 'session is closed'));
    if (this.#state.fenced) return Promise.reject(new SteadError('STALE_INSTANCE', 'a newer instance fenced this one; call begin'));
    // The proxy could not tell which call an undecodable frame was: refuse it here, with a cause.
    if (!isPlainData(args, this.#limits.maxValueDepth)) {
      return Promise.reject(new SteadError('BAD_ARGUMENTS', 'arguments must be plain data (no Map, Set, Date, class instances)'));
    }
    return this.#calls.invoke(method, args, options.deadlineMs ?? this.#deadlineMs);
  }

  /** Ends the instance once pending calls are done; harmless when there is none. */
  end(): Promise<void> {
    return this.#instance.end();
  }

  /**
   * Hands the session's notifications to `handler`, in order, each once (docs/sessions.md says
   * across what). Acks need an instance: with `autoBegin` this begins one when there is none.
   * `options` sets where delivery resumes, once, before the first notification.
   */
  onNotify(handler: NotifyHandler, options: NotificationOptions = {}): () => void {
    this.#notifications.configure(options);
    const remove = this.#notifications.add(handler);
    this.#instance.beginIfNeeded(true);
    this.#outbox.hello();
    return remove;
  }

  /** Errors that belong to no call: undecodable frames, uncorrelated errors, handler throws. */
  onError(handler: ErrorHandler): void {
    this.#errorHandlers.push(handler);
  }

  /** Resolves when every notification received so far has been handled. */
  notificationsSettled(): Promise<void> {
    return this.#notifications.settled();
  }

  async close(): Promise<void> {
    this.shutdown();
    this.#link.forget();
    await this.blobsWritten();
  }

  // Called by the device.

  /** (Re)connected: subscribe, say hello, resend everything pending with the same seq. */
  attach(): void {
    const attempt = ++this.#attaching;
    const state = this.#state;
    state.attached = false;
    this.#link.subscribe().then(
      () => {
        if (attempt !== this.#attaching || state.closed || !this.#link.connected()) return;
        state.attached = true;
        this.#outbox.resendAll();
        this.#calls.pump();
      },
      (error: unknown) => {
        // Only a refusal fails the calls; a subscription cut short by a lost connection is made
        // again on the next connect, and the calls are resent then (DESIGN §4).
        if (attempt !== this.#attaching || state.closed || !isSteadError(error, 'REFUSED')) return;
        this.#instance.failAll(error);
      },
    );
  }

  detach(): void {
    this.#attaching++;
    this.#state.attached = false;
  }

  shutdown(): void {
    if (this.#state.closed) return;
    this.#instance.failAll(new SteadError('CLOSED', 'session is closed'));
    this.#state.closed = true;
    this.#notifications.stop();
    this.#outbox.stop();
    this.#calls.stop();
  }

  /** A frame from the proxy on this session's topic. */
  receive(payload: Uint8Array): void {
    let frame;
    try {
      frame = decodeFrame(payload, this.#limits.maxFrameBytes);
    } catch (error) {
      return this.#reportError(error);
    }
    this.#apply(answerTo(frame, this.#state));
  }

  /** Carries out what a frame means (answers/answer.ts). */
  #apply(answer: Answer): void {
    switch (answer.to) {
      case 'none':
        return;
      case 'begun':
        return this.#instance.begun(answer.begun);
      case 'begin-failed':
        return this.#instance.failBegin(answer.error);
      case 'ended':
        return this.#instance.finishEnd(answer.error);
      case 'call':
        return this.#calls.settle(answer.call, null, answer.value);
      case 'call-failed':
        return this.#calls.settle(answer.call, answer.error);
      case 'fenced':
        return this.#instance.fence(answer.error);
      case 'instance-over':
        return this.#instance.instanceOver(answer.error);
      case 'notification':
        return this.#notifications.receive(answer.frame.seq, answer.frame.payload);
      case 'blob':
        return this.#state.blobs?.receive(answer.frame);
      case 'blob-status':
        this.#state.blobs?.answered(answer.frame);
        return;
      case 'blob-refused':
        this.#state.blobs?.refused(answer.ref, answer.error);
        return this.#reportError(answer.error);
      case 'hello':
        return this.#notifications.answered(answer.horizon, answer.epoch);
      case 'report':
        return this.#reportError(answer.error);
    }
  }

  #reportError(error: unknown): void {
    for (const handler of this.#errorHandlers) handler(error);
  }
}
