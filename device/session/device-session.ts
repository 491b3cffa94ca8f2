import { SteadError, isErrorCode, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { bytesEqual } from '../../shared/bytes.js';
import { decodeFrame, encodeCall, encodeFrame, parseBegun } from '../../shared/wire/codec.js';
import { isPlainData } from '../../shared/wire/plain-data.js';
import { Kind, PROTOCOL_VERSION, type ErrorFrame, type ReplyFrame } from '../../shared/wire/frames.js';
import { BlobKeeping, type BlobOutcome } from './blob-keeping.js';
import type { NotificationOptions } from './notification-cursor.js';
import { NotificationDelivery, type NotifyHandler } from './notifications.js';
import { CallWindow } from './call-window.js';
import { DeadlineTimer } from './deadline-timer.js';
import { routeError } from './error-route.js';
import { RetryTimer } from './retry-timer.js';
import type { BeginResult, SessionLink, SessionOptions } from './types.js';
import { deferred, pendingControl, settleControl, type PendingCall, type PendingControl } from './pending.js';

type ErrorHandler = (error: unknown) => void;

/**
 * The device side of a logical session (DESIGN §4): begin / call / end with an in-flight window,
 * retries with the same seq until the deadline (duplicates are answered from the proxy's reply
 * cache), and notifications delivered in order and acknowledged.
 *
 * Why this file is over 400 lines: what is left here is the instance's state (nonce, the begin
 * or end in flight, fencing), which every path reads and changes. The jobs that stand alone have
 * files of their own: the call window (call-window.ts), retries (retry-timer.ts), deadlines
 * (deadline-timer.ts), pending begin and end (pending.ts), where an error frame goes
 * (error-route.ts), notification delivery and cursors (notifications.ts, notification-cursor.ts),
 * sealed blobs kept on disk (blob-keeping.ts).
 */
export class DeviceSession {
  readonly proxy: string;
  readonly name: string;
  readonly #link: SessionLink;
  readonly #limits: Limits;
  readonly #deadlineMs: number;
  readonly #autoBegin: boolean;
  readonly #notifications: NotificationDelivery;
  readonly #errorHandlers: ErrorHandler[] = [];
  #nonce: Uint8Array | null = null;
  #fenced = false;
  /** The app ended the instance: notification handlers alone do not begin another. */
  #ended = false;
  #closed = false;
  #attached = false;
  #attaching = 0;
  readonly #calls: CallWindow;
  #begin: PendingControl<BeginResult> | null = null;
  #end: PendingControl<void> | null = null;
  readonly #retry: RetryTimer;
  readonly #deadlines: DeadlineTimer;
  /** The answer of the last begin: the memento and whether the previous instance crashed. */
  lastBegin: BeginResult | null = null;
  readonly #blobs: BlobKeeping | null;

  constructor(link: SessionLink, proxy: string, name: string, options: SessionOptions) {
    this.#link = link;
    this.#limits = link.limits;
    this.proxy = proxy;
    this.name = name;
    this.#deadlineMs = options.deadlineMs ?? link.limits.callDeadlineMs;
    this.#calls = new CallWindow(Math.min(Math.max(1, options.window ?? 1), link.limits.maxWindow));
    this.#deadlines = new DeadlineTimer(link.clock, () => this.#expireDue());
    this.#retry = new RetryTimer(link.clock, options.retryMs ?? 1000, (staleAt) => this.#resendStale(staleAt));
    this.#autoBegin = options.autoBegin ?? true;
    this.#notifications = new NotificationDelivery({
      clock: link.clock,
      agent: link.agent,
      nonce: () => this.#nonce,
      publish: (bytes) => link.publish(bytes),
      resync: () => this.#hello(),
      resyncLater: () => this.#armRetry(),
      onError: (error) => this.#reportError(error),
    });
    if (options.notifications) this.#notifications.configure(options.notifications);
    this.#blobs = options.blobDir ? new BlobKeeping(options.blobDir, proxy, name) : null;
  }

  /** What the proxy said of the last blob presented (docs/sessions.md); null without blobs. */
  get blobOutcome(): BlobOutcome | null {
    return this.#blobs?.last ?? null;
  }

  /** Resolves once every sealed blob received so far is on disk. */
  async blobsWritten(): Promise<void> {
    await this.#blobs?.flushed();
  }

  /** The current instance's nonce, or null before begin and after end. */
  get nonce(): Uint8Array | null {
    return this.#nonce;
  }

  /** The seq the next call will be sent under, when no call is waiting. */
  get nextSeq(): number {
    return this.#calls.peekSeq();
  }

  /**
   * Takes up an instance begun earlier, by this or another process (`stead call` resuming from
   * its journal), without a begin: the next call goes out under `nextSeq` with that nonce, so a
   * call sent again under its old seq is answered from the proxy's reply cache (DESIGN §4 rule 3).
   */
  adopt(nonce: Uint8Array, nextSeq: number): void {
    if (this.#closed) throw new SteadError('CLOSED', 'session is closed');
    if (this.#nonce || this.#begin || this.#end || !this.#calls.idle) {
      throw new SteadError('BAD_OPTIONS', 'only a session with no instance and no pending call can adopt one');
    }
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1) throw new SteadError('BAD_OPTIONS', `next seq must be a positive integer, got ${nextSeq}`);
    this.#fenced = false;
    this.#nonce = nonce;
    this.#calls.restart(nextSeq);
  }

  /** Starts a new instance, fencing every older one; returns the memento and `crashed`. */
  begin(info: unknown = null): Promise<BeginResult> {
    if (this.#closed) return Promise.reject(new SteadError('CLOSED', 'session is closed'));
    if (this.#begin) return this.#begin.promise;
    this.#fenced = false;
    this.#ended = false;
    this.#nonce = null;
    this.#calls.failInflight(new SteadError('STALE_INSTANCE', 'a new begin replaced this instance'));
    const ref = this.#link.random.nonce();
    const bytes = encodeFrame({ kind: Kind.begin, version: PROTOCOL_VERSION, token: ref, info });
    const control = pendingControl<BeginResult>(this.#link.clock, { ref, seq: 0, bytes }, this.#deadlineMs, () =>
      this.#failBegin(new SteadError('DEADLINE', 'begin got no answer in time')),
    );
    this.#begin = control;
    this.#send(control);
    return control.promise;
  }

  /** Calls a proxy method with the session's deadline. */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.invoke(method, args);
  }

  /** Calls a proxy method; `deadlineMs` overrides the session's. */
  invoke(method: string, args: unknown[], options: { deadlineMs?: number } = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new SteadError('CLOSED', 'session is closed'));
    if (this.#fenced) return Promise.reject(new SteadError('STALE_INSTANCE', 'a newer instance fenced this one; call begin'));
    // The proxy could not tell which call an undecodable frame was: refuse it here, with a cause.
    if (!isPlainData(args, this.#limits.maxValueDepth)) {
      return Promise.reject(new SteadError('BAD_ARGUMENTS', 'arguments must be plain data (no Map, Set, Date, class instances)'));
    }
    const { promise, resolve, reject } = deferred<unknown>();
    const deadlineAt = this.#link.clock.now() + (options.deadlineMs ?? this.#deadlineMs);
    const call: PendingCall = { method, args, seq: 0, bytes: null, answered: 0, sentAt: 0, deadlineAt, resolve, reject };
    this.#deadlines.arm(deadlineAt);
    this.#calls.queue(call);
    if (!this.#nonce && !this.#begin) {
      if (!this.#autoBegin) {
        this.#settle(call, new SteadError('NOT_BEGUN', 'call begin first'));
        return promise;
      }
      this.begin().catch(() => undefined);
    }
    this.#pump();
    return promise;
  }

  /** Ends the instance once pending calls are done; harmless when there is none. */
  async end(): Promise<void> {
    await this.#calls.whenIdle();
    this.#ended = true;
    if (!this.#nonce || this.#closed) return;
    if (this.#end) return this.#end.promise;
    const ref = this.#nonce;
    const seq = this.#calls.nextSeq();
    const bytes = encodeFrame({ kind: Kind.end, nonce: ref, seq });
    const control = pendingControl<void>(this.#link.clock, { ref, seq, bytes }, this.#deadlineMs, () =>
      this.#finishEnd(new SteadError('DEADLINE', 'end got no answer in time')),
    );
    this.#end = control;
    this.#send(control);
    return control.promise;
  }

  /**
   * Hands the session's notifications to `handler`, in order, each once (docs/sessions.md says
   * across what). Acks need an instance: with `autoBegin` this begins one when there is none.
   * `options` sets where delivery resumes, once, before the first notification.
   */
  onNotify(handler: NotifyHandler, options: NotificationOptions = {}): () => void {
    this.#notifications.configure(options);
    const remove = this.#notifications.add(handler);
    this.#beginIfNeeded(true);
    if (this.#attached) this.#hello();
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
    this.#attached = false;
    this.#link.subscribe().then(
      () => {
        if (attempt !== this.#attaching || this.#closed || !this.#link.connected()) return;
        this.#attached = true;
        this.#presentBlob();
        this.#hello();
        if (this.#begin) this.#send(this.#begin);
        for (const call of this.#calls.inflight()) this.#resend(call);
        if (this.#end) this.#send(this.#end);
        this.#pump();
      },
      (error: unknown) => {
        // Only a refusal fails the calls; a subscription cut short by a lost connection is made
        // again on the next connect, and the calls are resent then (DESIGN §4).
        if (attempt !== this.#attaching || this.#closed || !isSteadError(error, 'REFUSED')) return;
        this.#failAll(error);
      },
    );
  }

  detach(): void {
    this.#attaching++;
    this.#attached = false;
  }

  shutdown(): void {
    if (this.#closed) return;
    const error = new SteadError('CLOSED', 'session is closed');
    this.#failAll(error);
    this.#closed = true;
    this.#notifications.stop();
    this.#retry.stop();
    this.#deadlines.stop();
  }

  receive(payload: Uint8Array): void {
    let frame;
    try {
      frame = decodeFrame(payload, this.#limits.maxFrameBytes);
    } catch (error) {
      return this.#reportError(error);
    }
    switch (frame.kind) {
      case Kind.reply:
        return this.#onReply(frame);
      case Kind.error:
        return this.#onError(frame);
      case Kind.notify:
        return this.#notifications.receive(frame.seq, frame.payload);
      case Kind.blob:
        return this.#blobs?.receive(frame);
      case Kind.hello:
        // The answer to a hello: the queue's horizon and epoch.
        if (frame.epoch) return this.#notifications.answered(frame.acked, frame.epoch);
        return this.#reportError(new SteadError('MALFORMED_FRAME', 'the proxy answered hello without a queue epoch'));
      default:
        return this.#reportError(new SteadError('MALFORMED_FRAME', `unexpected frame kind ${frame.kind} from the proxy`));
    }
  }

  #onReply(frame: ReplyFrame): void {
    if (this.#blobs?.answered(frame)) return;
    if (this.#begin && frame.seq === 0 && bytesEqual(frame.ref, this.#begin.ref)) {
      let begun;
      try {
        begun = parseBegun(frame.value);
      } catch (error) {
        return this.#failBegin(error as SteadError);
      }
      const control = this.#begin;
      settleControl(this.#link.clock, control);
      this.#begin = null;
      this.#nonce = begun.nonce;
      this.#calls.restart();
      this.#notifications.instanceChanged();
      this.lastBegin = { memento: begun.memento, crashed: begun.crashed };
      control.resolve(this.lastBegin);
      return this.#pump();
    }
    if (this.#end && frame.seq === this.#end.seq && bytesEqual(frame.ref, this.#end.ref)) return this.#finishEnd(null);
    if (!bytesEqual(frame.ref, this.#nonce)) return;
    const call = this.#calls.get(frame.seq);
    if (call) this.#settle(call, null, frame.value);
  }

  #onError(frame: ErrorFrame): void {
    const error = new SteadError(isErrorCode(frame.code) ? frame.code : 'APP_ERROR', frame.message, { data: frame.data });
    if (this.#blobs?.refused(frame.ref, error)) return this.#reportError(error);
    const route = routeError(error, frame, { begin: this.#begin, end: this.#end, nonce: this.#nonce, calls: this.#calls });
    switch (route.to) {
      case 'retry':
      case 'past':
        return;
      case 'begin':
        return this.#failBegin(error);
      case 'end':
        return this.#finishEnd(error);
      case 'fenced':
        // Another instance owns the session now: do not fight it with automatic begins.
        this.#fenced = true;
        this.#nonce = null;
        return this.#failAll(error);
      case 'instance-over':
        return this.#instanceOver(error);
      case 'call':
        return this.#settle(route.call, error);
      case 'nobody':
        return this.#reportError(error);
    }
  }

  /** This instance cannot go on: what is in flight fails; what waits, or listens, begins anew. */
  #instanceOver(error: SteadError): void {
    this.#nonce = null;
    this.#calls.failInflight(error);
    this.#beginIfNeeded(this.#notifications.hasHandlers && !this.#ended);
    this.#pump();
  }

  /** With autoBegin, begins an instance when something needs one and none is on its way. */
  #beginIfNeeded(needed: boolean): void {
    if (needed && this.#autoBegin && !this.#nonce && !this.#begin && !this.#fenced && !this.#closed) this.begin().catch(() => undefined);
  }

  /** Sends waiting calls while the window has room; each gets the next seq. */
  #pump(): void {
    this.#beginIfNeeded(this.#calls.hasWaiting);
    // No call joins an instance that is ending: it waits for the next one.
    const nonce = this.#end ? null : this.#nonce;
    for (let call = nonce && this.#calls.admit(); nonce && call; call = this.#calls.admit()) {
      call.answered = this.#calls.answered();
      const bytes = encodeCall(nonce, call.seq, call.answered, call.method, call.args);
      if (bytes.length > this.#limits.maxFrameBytes) {
        this.#calls.withdraw(call);
        call.seq = 0;
        this.#settle(call, new SteadError('FRAME_TOO_LARGE', `call of ${bytes.length} bytes exceeds ${this.#limits.maxFrameBytes}`));
        continue;
      }
      call.bytes = bytes;
      this.#resend(call);
    }
    this.#armRetry();
    if (this.#calls.idle) this.#calls.releaseIdle();
  }

  #resend(call: PendingCall): void {
    if (!call.bytes || !this.#attached) return;
    // A proxy reloaded from the store needs the newest `answered` to skip read-only seqs it
    // never wrote (they would look like a gap).
    const answered = this.#calls.answered();
    if (answered > call.answered && this.#nonce) {
      call.answered = answered;
      call.bytes = encodeCall(this.#nonce, call.seq, answered, call.method, call.args);
    }
    call.sentAt = this.#link.clock.now();
    this.#link.publish(call.bytes);
  }

  #send(control: PendingControl<unknown>): void {
    if (!this.#attached) return;
    control.sentAt = this.#link.clock.now();
    this.#link.publish(control.bytes);
    this.#armRetry();
  }

  /**
   * DESIGN §7: at every connect, ahead of the begin and calls it may restore for (the same topic,
   * so in order); a begin is only ever sent after it.
   */
  #presentBlob(): void {
    if (this.#blobs && this.#attached) this.#link.publish(this.#blobs.request(this.#link.random));
  }

  /** Asks the proxy to (re)send what follows the last notification handed to the app. */
  #hello(): void {
    if (!this.#notifications.hasHandlers || !this.#attached) return;
    const hello = this.#notifications.hello();
    if (hello) this.#link.publish(hello);
    this.#armRetry();
  }

  /** The retry timer runs while anything waits for an answer. */
  #armRetry(): void {
    const helloUnanswered = this.#notifications.hasHandlers && !this.#notifications.synced;
    const busy = this.#calls.hasInflight || this.#begin !== null || this.#end !== null || helloUnanswered;
    if (busy && !this.#closed) this.#retry.arm();
  }

  #resendStale(staleAt: number): void {
    if (this.#attached) {
      if (this.#begin && this.#begin.sentAt <= staleAt) this.#send(this.#begin);
      for (const call of this.#calls.inflight()) if (call.sentAt <= staleAt) this.#resend(call);
      if (this.#end && this.#end.sentAt <= staleAt) this.#send(this.#end);
      if (this.#notifications.hasHandlers && !this.#notifications.synced && this.#notifications.helloSentAt <= staleAt) this.#hello();
    }
    this.#armRetry();
  }

  #expire(call: PendingCall): void {
    const error = new SteadError('DEADLINE', `${call.method} did not complete in time; its outcome is unknown`);
    if (this.#calls.isWaiting(call)) return this.#settle(call, error);
    // A request that may or may not have run leaves a gap: this instance cannot go on (the
    // catalogue's reaction to DEADLINE is `begin`).
    this.#instanceOver(error);
  }

  /** The deadline timer fired: expire what is due, watch what is left. */
  #expireDue(): void {
    for (const call of this.#calls.due(this.#link.clock.now())) if (this.#calls.holds(call)) this.#expire(call);
    if (!this.#closed) this.#deadlines.arm(this.#calls.earliestDeadline());
  }

  #settle(call: PendingCall, error: SteadError | null, value?: unknown): void {
    this.#calls.remove(call);
    if (error) call.reject(error);
    else call.resolve(value);
    this.#pump();
  }

  #failAll(error: SteadError): void {
    this.#calls.failInflight(error);
    this.#calls.failWaiting(error);
    if (this.#begin) this.#failBegin(error);
    if (this.#end) this.#finishEnd(error);
    this.#calls.releaseIdle();
  }

  #failBegin(error: SteadError): void {
    const control = this.#begin;
    if (!control) return;
    settleControl(this.#link.clock, control);
    this.#begin = null;
    control.reject(error);
    // Calls that waited for this begin cannot be sent.
    this.#calls.failWaiting(error);
    this.#pump();
  }

  #finishEnd(error: SteadError | null): void {
    const control = this.#end;
    if (!control) return;
    settleControl(this.#link.clock, control);
    this.#end = null;
    // Ended, fenced or unknown (deadline): either way this instance is over; its seq is spent.
    this.#nonce = null;
    if (error) control.reject(error);
    else control.resolve();
    // Calls made while the end was in flight begin the next instance.
    this.#pump();
  }

  #reportError(error: unknown): void {
    for (const handler of this.#errorHandlers) handler(error);
  }
}
