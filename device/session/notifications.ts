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
 */
export class NotificationDelivery {
  readonly #handlers: NotifyHandler[] = [];
  readonly #clock: Clock;
  readonly #sendAck: (seq: number) => void;
  readonly #onError: (error: unknown) => void;
  #lastQueued = 0;
  #lastDelivered = 0;
  #lastAcked = 0;
  #chain: Promise<void> = Promise.resolve();
  #ackTimer: TimerHandle | null = null;

  constructor(clock: Clock, sendAck: (seq: number) => void, onError: (error: unknown) => void) {
    this.#clock = clock;
    this.#sendAck = sendAck;
    this.#onError = onError;
  }

  get hasHandlers(): boolean {
    return this.#handlers.length > 0;
  }

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

  receive(seq: number, payload: unknown): void {
    if (seq <= this.#lastQueued) return;
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
