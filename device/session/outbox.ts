import { encodeCall } from '../../shared/wire/codec.js';
import type { NotificationDelivery } from './notifications.js';
import type { PendingCall, PendingControl } from './pending.js';
import { RetryTimer } from './retry-timer.js';
import type { SessionState } from './session-state.js';
import type { SessionLink } from './types.js';

/**
 * Everything a session publishes, and sends again (DESIGN §4: a request is resent with the same
 * seq until it is answered). Nothing goes out while the session is not attached to a connection;
 * at the next connect `resendAll` sends what still waits for an answer.
 */
export class Outbox {
  readonly #state: SessionState;
  readonly #link: SessionLink;
  readonly #notifications: NotificationDelivery;
  readonly #retry: RetryTimer;

  constructor(state: SessionState, link: SessionLink, notifications: NotificationDelivery, retryMs: number) {
    this.#state = state;
    this.#link = link;
    this.#notifications = notifications;
    this.#retry = new RetryTimer(link.clock, retryMs, (staleAt) => this.#resendStale(staleAt));
  }

  /** Sends a begin or end (again). */
  send(control: PendingControl<unknown>): void {
    if (!this.#state.attached) return;
    control.sentAt = this.#link.clock.monotonic();
    this.#link.publish(control.bytes);
    this.armRetry();
  }

  /** Sends a call (again) under its seq. */
  sendCall(call: PendingCall): void {
    const state = this.#state;
    if (!call.bytes || !state.attached) return;
    // A proxy reloaded from the store needs the newest `answered` to skip read-only seqs it
    // never wrote (they would look like a gap).
    const answered = state.calls.answered();
    if (answered > call.answered && state.nonce) {
      call.answered = answered;
      call.bytes = encodeCall(state.nonce, call.seq, answered, call.method, call.args);
    }
    call.sentAt = this.#link.clock.monotonic();
    this.#link.publish(call.bytes);
  }

  /** Asks the proxy to (re)send what follows the last notification handed to the app. */
  hello(): void {
    if (!this.#notifications.hasHandlers || !this.#state.attached) return;
    const hello = this.#notifications.hello();
    if (hello) this.#link.publish(hello);
    this.armRetry();
  }

  /**
   * Attached to a new connection: everything that waits for an answer goes out again, in this
   * order. DESIGN §7: the blob request comes first, ahead of the begin and calls it may restore
   * for (the same topic, so in order); a begin is only ever sent after it.
   */
  resendAll(): void {
    const state = this.#state;
    if (state.blobs && state.attached) this.#link.publish(state.blobs.request(this.#link.random));
    this.hello();
    if (state.begin) this.send(state.begin);
    for (const call of state.calls.inflight()) this.sendCall(call);
    if (state.end) this.send(state.end);
  }

  /** The retry timer runs while anything waits for an answer. */
  armRetry(): void {
    const state = this.#state;
    const helloUnanswered = this.#notifications.hasHandlers && !this.#notifications.synced;
    const busy = state.calls.hasInflight || state.begin !== null || state.end !== null || helloUnanswered;
    if (busy && !state.closed) this.#retry.arm();
  }

  stop(): void {
    this.#retry.stop();
  }

  /** What was sent at or before `staleAt` and is still unanswered goes out again. */
  #resendStale(staleAt: number): void {
    const state = this.#state;
    if (state.attached) {
      if (state.begin && state.begin.sentAt <= staleAt) this.send(state.begin);
      for (const call of state.calls.inflight()) if (call.sentAt <= staleAt) this.sendCall(call);
      if (state.end && state.end.sentAt <= staleAt) this.send(state.end);
      const notifications = this.#notifications;
      if (notifications.hasHandlers && !notifications.synced && notifications.helloSentAt <= staleAt) this.hello();
    }
    this.armRetry();
  }
}
