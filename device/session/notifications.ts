import type { Clock, TimerHandle } from '../../shared/clock.js';

export interface NotificationInfo {
  seq: number;
  /** Notifications the proxy dropped (queue overflow) since the previous delivery. */
  dropped: number;
}

export type NotifyHandler = (payload: unknown, info: NotificationInfo) => void | Promise<void>;

/**
 * Delivers a session's notifications to the application exactly once per device process: in
 * seq order, duplicates skipped, acknowledged cumulatively once the handlers are done.
 *
 * A gap in seqs is ambiguous: the proxy dropped notifications (queue overflow), or some are still
 * on their way (a resend racing a live one, a commit whose outputs were held back). The proxy's
 * answer to a hello names its last seq (the horizon) and is followed by its whole queue, in
 * order: gaps up to the horizon are drops. Past the horizon seqs must follow one another; any
 * other gap asks for a resync (a new hello), and nothing past it is delivered or acknowledged.
 */
export class NotificationDelivery {
  readonly #handlers: NotifyHandler[] = [];
  readonly #clock: Clock;
  readonly #sendAck: (seq: number) => void;
  readonly #onError: (error: unknown) => void;
  readonly #resync: () => void;
  #lastQueued = 0;
  #lastDelivered = 0;
  #lastAcked = 0;
  /** Between a hello and its answer, notifications are ignored: the answer resends them. */
  #synced = false;
  /** The proxy's last seq when it answered the hello: gaps up to it are drops. */
  #horizon = 0;
  #chain: Promise<void> = Promise.resolve();
  #ackTimer: TimerHandle | null = null;

  constructor(clock: Clock, sendAck: (seq: number) => void, onError: (error: unknown) => void, resync: () => void) {
    this.#clock = clock;
    this.#sendAck = sendAck;
    this.#onError = onError;
    this.#resync = resync;
  }

  get hasHandlers(): boolean {
    return this.#handlers.length > 0;
  }

  /** What a hello acknowledges: every notification up to here was handled by the app. */
  get lastDelivered(): number {
    return this.#lastDelivered;
  }

  add(handler: NotifyHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const index = this.#handlers.indexOf(handler);
      if (index >= 0) this.#handlers.splice(index, 1);
    };
  }

  /** A hello went out: wait for its answer before trusting anything. */
  helloSent(): void {
    this.#synced = false;
  }

  /** The proxy answered the hello; its queue, up to `horizon`, follows in order. */
  helloAnswered(horizon: number): void {
    this.#synced = true;
    this.#horizon = horizon;
  }

  get synced(): boolean {
    return this.#synced;
  }

  receive(seq: number, payload: unknown): void {
    if (!this.#synced || seq <= this.#lastQueued) return;
    if (seq > this.#horizon && seq !== Math.max(this.#lastQueued, this.#horizon) + 1) {
      this.#synced = false;
      return this.#resync();
    }
    const info = { seq, dropped: seq - this.#lastQueued - 1 };
    this.#lastQueued = seq;
    this.#chain = this.#chain.then(() => this.#deliver(payload, info));
  }

  /** Resolves when every received notification has been handled. */
  settled(): Promise<void> {
    return this.#chain;
  }

  stop(): void {
    if (this.#ackTimer) this.#clock.clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
  }

  async #deliver(payload: unknown, info: NotificationInfo): Promise<void> {
    for (const handler of [...this.#handlers]) {
      try {
        await handler(payload, info);
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#lastDelivered = info.seq;
    // Acks coalesce: one cumulative ack for a burst of notifications.
    this.#ackTimer ??= this.#clock.setTimeout(() => {
      this.#ackTimer = null;
      if (this.#lastDelivered > this.#lastAcked) {
        this.#lastAcked = this.#lastDelivered;
        this.#sendAck(this.#lastAcked);
      }
    }, 0);
  }
}
