import type { Clock, TimerHandle } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/bytes.js';
import { encodeFrame, helloFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import { cursorOf, type NotificationCursor, type NotificationOptions } from './notification-cursor.js';

export interface NotificationInfo {
  seq: number;
  /** The queue's epoch: with `seq`, the position an app-owned cursor commits with its effect. */
  epoch: Uint8Array;
  /** Notifications the proxy dropped (queue overflow) since the previous delivery. */
  dropped: number;
}

export type NotifyHandler = (payload: unknown, info: NotificationInfo) => void | Promise<void>;

/** What delivery needs from its session. */
export interface DeliveryLink {
  readonly clock: Clock;
  readonly agent: string;
  /** The session's current instance: acks and hellos carry its nonce (null without one). */
  nonce(): Uint8Array | null;
  publish(bytes: Uint8Array): void;
  /** Say hello again: nothing received can be trusted until its answer. */
  resync(): void;
  /** Say hello again after the retry interval (a delivery failed; do not spin). */
  resyncLater(): void;
  onError(error: unknown): void;
}

/**
 * Delivers a session's notifications to the application: in seq order, each once (per process,
 * or across restarts with a cursor: docs/sessions.md), acknowledged cumulatively once handled.
 *
 * Seqs count within the queue's epoch, which every hello answer names: another epoch means the
 * queue was made anew, and delivery starts over from its first seq. The answer also names the
 * proxy's last seq (the horizon) and is followed by the unacknowledged queue, in order: gaps up
 * to the horizon are drops; past it seqs must follow one another, and any other gap asks for a
 * resync (a new hello). So does a seq the app already has, outside the resend that follows an
 * answer: a queue that started again looks just like that to a device that stayed connected.
 * One hello is in flight at a time: until its answer, notifications are ignored (it resends them).
 */
export class NotificationDelivery {
  readonly #handlers: NotifyHandler[] = [];
  readonly #link: DeliveryLink;
  #cursor: NotificationCursor | null = null;
  #loading: Promise<void> | null = null;
  #loaded = true;
  /** A hello went out: answers from now on are meant for this session. */
  #started = false;
  #epoch: Uint8Array | null = null;
  /** An answer named the epoch: acks in it mean something to the proxy. */
  #confirmed = false;
  /** Counts epochs seen; deliveries of an earlier one move no position. */
  #generation = 0;
  #lastQueued = 0;
  #lastDelivered = 0;
  #lastAcked = 0;
  #synced = false;
  /** The last answer said the proxy keeps no queue: a notification means one was made since. */
  #queueless = false;
  #horizon = 0;
  #helloNonce: Uint8Array | null = null;
  #helloAcked = 0;
  /** The resend that follows an answer: seqs in (after, upTo], increasing; upTo 0 when over. */
  #resendAfter = 0;
  #resendUpTo = 0;
  #lastReceived = 0;
  #chain: Promise<void> = Promise.resolve();
  #ackTimer: TimerHandle | null = null;
  /** When the last hello went out (ms, monotonic clock); never: stale at once. */
  helloSentAt = -Infinity;

  constructor(link: DeliveryLink) {
    this.#link = link;
  }

  get hasHandlers(): boolean {
    return this.#handlers.length > 0;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /**
   * Where delivery resumes: the cursor (file or app-owned); none keeps it in memory. Set once,
   * with the first handler or before it.
   */
  configure(options: NotificationOptions): void {
    const cursor = cursorOf(options);
    if (!cursor) return;
    if (this.#handlers.length > 0 || this.#cursor) {
      throw new SteadError('BAD_OPTIONS', 'the notification position is set once, with the first handler or before');
    }
    this.#cursor = cursor;
    this.#loaded = false;
  }

  add(handler: NotifyHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const index = this.#handlers.indexOf(handler);
      if (index >= 0) this.#handlers.splice(index, 1);
    };
  }

  /** The hello to send now, or null while the cursor loads (the link resyncs once it has). */
  hello(): Uint8Array | null {
    if (!this.#loaded) {
      this.#load();
      return null;
    }
    this.#started = true;
    this.#synced = false;
    this.#helloNonce = this.#link.nonce();
    this.#helloAcked = this.#lastDelivered;
    this.helloSentAt = this.#link.clock.monotonic();
    return encodeFrame(helloFrame(this.#lastDelivered, this.#link.agent, this.#helloNonce, this.#epoch));
  }

  /**
   * The proxy answered a hello: its epoch and last seq; its unacknowledged queue follows. No
   * epoch: it keeps no queue for the session, so nothing waits to be delivered.
   */
  answered(horizon: number, epoch: Uint8Array | null): void {
    // Before this session's first hello, an answer was meant for another device on the session.
    if (!this.#started) return;
    if (!epoch) return this.#noQueue();
    this.#queueless = false;
    const again = this.#epoch !== null && !bytesEqual(epoch, this.#epoch);
    if (again) this.#startOver();
    this.#epoch = epoch;
    this.#confirmed = true;
    this.#synced = true;
    this.#horizon = horizon;
    // The proxy applied the hello's ack if its nonce was current (a refusal arrives before the
    // answer and ends the instance here): nothing up to it can be in the resend.
    const applied = !again && this.#helloNonce !== null && bytesEqual(this.#helloNonce, this.#link.nonce());
    this.#resendAfter = applied ? this.#helloAcked : 0;
    this.#resendUpTo = horizon > this.#resendAfter ? horizon : 0;
    this.#lastReceived = 0;
    this.#scheduleAck();
  }

  receive(seq: number, payload: unknown): void {
    if (!this.#synced) return;
    // A queue was made since the answer: its epoch comes with a new answer, which resends it.
    if (this.#queueless) return this.#resync();
    const previous = this.#lastReceived;
    this.#lastReceived = seq;
    if (seq <= this.#lastQueued) {
      const resent = seq > this.#resendAfter && seq > previous && seq <= this.#resendUpTo;
      if (!resent) return this.#resync();
      if (seq === this.#resendUpTo) this.#resendUpTo = 0;
      return;
    }
    if (seq >= this.#resendUpTo) this.#resendUpTo = 0;
    if (seq > this.#horizon && seq !== Math.max(this.#lastQueued, this.#horizon) + 1) return this.#resync();
    const info: NotificationInfo = { seq, epoch: this.#epoch as Uint8Array, dropped: seq - this.#lastQueued - 1 };
    this.#lastQueued = seq;
    const generation = this.#generation;
    this.#chain = this.#chain.then(() => this.#deliver(payload, info, generation));
  }

  /** A new instance: acknowledge again what was handled (acks of the old one may be refused). */
  instanceChanged(): void {
    this.#lastAcked = 0;
    this.#scheduleAck();
  }

  /** Resolves when every received notification has been handled. */
  settled(): Promise<void> {
    return this.#chain;
  }

  stop(): void {
    if (this.#ackTimer) this.#link.clock.clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
  }

  #resync(): void {
    this.#synced = false;
    this.#link.resync();
  }

  /**
   * No queue: synced with nothing to deliver and nothing to acknowledge. The epoch known so far
   * is kept, so the next answer tells whether the queue made later is another one (start over).
   */
  #noQueue(): void {
    this.#queueless = true;
    this.#synced = true;
    this.#confirmed = false;
    this.#horizon = 0;
    this.#resendAfter = 0;
    this.#resendUpTo = 0;
    this.#lastReceived = 0;
  }

  /** The queue was made anew: its seqs are not the ones handled so far. */
  #startOver(): void {
    this.#generation++;
    this.#lastQueued = 0;
    this.#lastDelivered = 0;
    this.#lastAcked = 0;
  }

  #load(): void {
    const cursor = this.#cursor;
    if (this.#loading || !cursor) return;
    this.#loading = cursor.load().then(
      (position) => {
        if (position) {
          this.#epoch = position.epoch;
          this.#lastQueued = this.#lastDelivered = position.seq;
        }
        this.#loaded = true;
        this.#link.resync();
      },
      (error: unknown) => {
        // Nothing is delivered without the position: the next hello (a retry) loads it again.
        this.#loading = null;
        this.#link.onError(error);
      },
    );
  }

  async #deliver(payload: unknown, info: NotificationInfo, generation: number): Promise<void> {
    // A delivery before this one failed: this one comes again after it.
    if (generation !== this.#generation) return;
    try {
      for (const handler of [...this.#handlers]) await handler(payload, info);
      // The cursor is saved before the ack: a crash in between hands this one to the app again.
      await this.#cursor?.save({ epoch: info.epoch, seq: info.seq });
    } catch (error) {
      this.#link.onError(error);
      return this.#redeliverLater(generation);
    }
    if (generation !== this.#generation) return;
    this.#lastDelivered = info.seq;
    this.#scheduleAck();
  }

  /**
   * A handler threw or the cursor could not be saved: the notification is neither acknowledged
   * nor passed. What was queued after it is dropped here, and after the retry interval a hello
   * asks the proxy to send everything from it again (every handler sees it again).
   */
  #redeliverLater(generation: number): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    this.#lastQueued = this.#lastDelivered;
    this.#synced = false;
    this.#link.resyncLater();
  }

  /** Acks coalesce: one cumulative ack for a burst of notifications. */
  #scheduleAck(): void {
    this.#ackTimer ??= this.#link.clock.setTimeout(() => {
      this.#ackTimer = null;
      this.#sendAck();
    }, 0);
  }

  /** Only an instance can acknowledge, and only in an epoch the proxy named. */
  #sendAck(): void {
    const nonce = this.#link.nonce();
    if (!nonce || !this.#confirmed || this.#lastDelivered <= this.#lastAcked) return;
    this.#lastAcked = this.#lastDelivered;
    this.#link.publish(encodeFrame({ kind: Kind.ack, nonce, seq: this.#lastAcked }));
  }
}
