import { SteadError } from '../../shared/errors.js';
import { encodeCall } from '../../shared/wire/codec.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { Outbox } from './outbox.js';
import { deferred, type PendingCall } from './pending.js';
import type { SessionState } from './session-state.js';
import type { SessionLink } from './types.js';

/** What the call flow asks of the instance's lifecycle. */
export interface CallHooks {
  /** With autoBegin, begins an instance when `needed` and none is on its way. */
  beginIfNeeded(needed: boolean): void;
  /** A call in flight may or may not have run: the instance cannot go on. */
  instanceOver(error: SteadError): void;
}

/**
 * A session's calls from the app's promise to their answer (DESIGN §4): queued, sent under the
 * next seq while the window has room, settled by their reply or error, or failed at their deadline.
 */
export class CallFlow {
  readonly #state: SessionState;
  readonly #link: SessionLink;
  readonly #outbox: Outbox;
  readonly #hooks: CallHooks;
  readonly #deadlines: DeadlineTimer;

  constructor(state: SessionState, link: SessionLink, outbox: Outbox, hooks: CallHooks) {
    this.#state = state;
    this.#link = link;
    this.#outbox = outbox;
    this.#hooks = hooks;
    this.#deadlines = new DeadlineTimer(link.clock, () => this.#expireDue());
  }

  /** Queues a call that fails with DEADLINE `deadlineMs` from now; sends it when it can. */
  invoke(method: string, args: unknown[], deadlineMs: number): Promise<unknown> {
    const { promise, resolve, reject } = deferred<unknown>();
    const deadlineAt = this.#link.clock.monotonic() + deadlineMs;
    const call: PendingCall = { method, args, seq: 0, bytes: null, answered: 0, sentAt: -Infinity, deadlineAt, resolve, reject };
    const state = this.#state;
    this.#deadlines.arm(deadlineAt);
    state.calls.queue(call);
    if (!state.nonce && !state.begin && !state.autoBegin) this.settle(call, new SteadError('NOT_BEGUN', 'call begin first'));
    else this.pump();
    return promise;
  }

  /** Sends waiting calls while the window has room; each gets the next seq. */
  pump(): void {
    const state = this.#state;
    const calls = state.calls;
    const maxFrameBytes = this.#link.limits.maxFrameBytes;
    this.#hooks.beginIfNeeded(calls.hasWaiting);
    // No call joins an instance that is ending: it waits for the next one.
    const nonce = state.end ? null : state.nonce;
    for (let call = nonce && calls.admit(); nonce && call; call = calls.admit()) {
      call.answered = calls.answered();
      const bytes = encodeCall(nonce, call.seq, call.answered, call.method, call.args);
      if (bytes.length > maxFrameBytes) {
        calls.withdraw(call);
        call.seq = 0;
        this.settle(call, new SteadError('FRAME_TOO_LARGE', `call of ${bytes.length} bytes exceeds ${maxFrameBytes}`));
        continue;
      }
      call.bytes = bytes;
      this.#outbox.sendCall(call);
    }
    this.#outbox.armRetry();
    if (calls.idle) calls.releaseIdle();
  }

  /** The call is answered (error null) or failed: it leaves the window, which may admit another. */
  settle(call: PendingCall, error: SteadError | null, value?: unknown): void {
    this.#state.calls.remove(call);
    if (error) call.reject(error);
    else call.resolve(value);
    this.pump();
  }

  stop(): void {
    this.#deadlines.stop();
  }

  /** The deadline timer fired: expire what is due, watch what is left. */
  #expireDue(): void {
    const calls = this.#state.calls;
    for (const call of calls.due(this.#link.clock.monotonic())) if (calls.holds(call)) this.#expire(call);
    if (!this.#state.closed) this.#deadlines.arm(calls.earliestDeadline());
  }

  #expire(call: PendingCall): void {
    const error = new SteadError('DEADLINE', `${call.method} did not complete in time; its outcome is unknown`);
    if (this.#state.calls.isWaiting(call)) return this.settle(call, error);
    // A request that may or may not have run leaves a gap: this instance cannot go on (the
    // catalogue's reaction to DEADLINE is `begin`).
    this.#hooks.instanceOver(error);
  }
}
