import { SteadError } from '../../shared/errors.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind, PROTOCOL_VERSION, type Begun } from '../../shared/wire/frames.js';
import type { CallFlow, CallHooks } from './call-flow.js';
import type { NotificationDelivery } from './notifications.js';
import type { Outbox } from './outbox.js';
import { pendingControl, settleControl } from './pending.js';
import type { SessionState } from './session-state.js';
import type { BeginResult, SessionLink } from './types.js';

/**
 * The lifecycle of a session's instances (DESIGN §4 rules 1, 2 and 8): begin one (fencing every
 * older one), take one up, end one, and what follows when one is answered, refused, fenced or can
 * no longer go on. Whatever changes the instance gives waiting calls their chance to go out.
 */
export class Instance implements CallHooks {
  readonly #state: SessionState;
  readonly #link: SessionLink;
  readonly #outbox: Outbox;
  readonly #calls: CallFlow;
  readonly #notifications: NotificationDelivery;
  readonly #deadlineMs: number;

  constructor(
    state: SessionState,
    link: SessionLink,
    parts: { outbox: Outbox; calls: CallFlow; notifications: NotificationDelivery },
    deadlineMs: number,
  ) {
    this.#state = state;
    this.#link = link;
    this.#outbox = parts.outbox;
    this.#calls = parts.calls;
    this.#notifications = parts.notifications;
    this.#deadlineMs = deadlineMs;
  }

  /** Takes up an instance begun earlier: the next call goes out under `nextSeq` with `nonce`. */
  adopt(nonce: Uint8Array, nextSeq: number): void {
    const state = this.#state;
    if (state.closed) throw new SteadError('CLOSED', 'session is closed');
    if (state.nonce || state.begin || state.end || !state.calls.idle) {
      throw new SteadError('BAD_OPTIONS', 'only a session with no instance and no pending call can adopt one');
    }
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1) throw new SteadError('BAD_OPTIONS', `next seq must be a positive integer, got ${nextSeq}`);
    state.fenced = false;
    state.nonce = nonce;
    state.calls.restart(nextSeq);
  }

  begin(info: unknown): Promise<BeginResult> {
    const state = this.#state;
    if (state.closed) return Promise.reject(new SteadError('CLOSED', 'session is closed'));
    if (state.begin) return state.begin.promise;
    state.fenced = false;
    state.ended = false;
    state.nonce = null;
    state.calls.failInflight(new SteadError('STALE_INSTANCE', 'a new begin replaced this instance'));
    const ref = this.#link.random.nonce();
    const bytes = encodeFrame({ kind: Kind.begin, version: PROTOCOL_VERSION, token: ref, info });
    const control = pendingControl<BeginResult>(this.#link.clock, { ref, seq: 0, bytes }, this.#deadlineMs, () =>
      this.failBegin(new SteadError('DEADLINE', 'begin got no answer in time')),
    );
    state.begin = control;
    this.#outbox.send(control);
    return control.promise;
  }

  /** Ends the instance once pending calls are done; harmless when there is none. */
  async end(): Promise<void> {
    const state = this.#state;
    await state.calls.whenIdle();
    state.ended = true;
    if (!state.nonce || state.closed) return;
    if (state.end) return state.end.promise;
    const ref = state.nonce;
    const seq = state.calls.nextSeq();
    const bytes = encodeFrame({ kind: Kind.end, nonce: ref, seq });
    const control = pendingControl<void>(this.#link.clock, { ref, seq, bytes }, this.#deadlineMs, () =>
      this.finishEnd(new SteadError('DEADLINE', 'end got no answer in time')),
    );
    state.end = control;
    this.#outbox.send(control);
    return control.promise;
  }

  /** The begin in flight was answered: its instance is the session's, seqs restart at 1. */
  begun(begun: Begun): void {
    const state = this.#state;
    const control = state.begin;
    if (!control) return;
    settleControl(this.#link.clock, control);
    state.begin = null;
    state.nonce = begun.nonce;
    state.calls.restart();
    this.#notifications.instanceChanged();
    state.lastBegin = { memento: begun.memento, crashed: begun.crashed };
    control.resolve(state.lastBegin);
    this.#calls.pump();
  }

  failBegin(error: SteadError): void {
    const state = this.#state;
    const control = state.begin;
    if (!control) return;
    settleControl(this.#link.clock, control);
    state.begin = null;
    control.reject(error);
    // Calls that waited for this begin cannot be sent.
    state.calls.failWaiting(error);
    this.#calls.pump();
  }

  /** The end in flight was answered (error null), refused, or got no answer in time. */
  finishEnd(error: SteadError | null): void {
    const state = this.#state;
    const control = state.end;
    if (!control) return;
    settleControl(this.#link.clock, control);
    state.end = null;
    // Ended, fenced or unknown (deadline): either way this instance is over; its seq is spent.
    state.nonce = null;
    if (error) control.reject(error);
    else control.resolve();
    // Calls made while the end was in flight begin the next instance.
    this.#calls.pump();
  }

  /** Another instance owns the session now: do not fight it with automatic begins. */
  fence(error: SteadError): void {
    this.#state.fenced = true;
    this.#state.nonce = null;
    this.failAll(error);
  }

  /** This instance cannot go on: what is in flight fails; what waits, or listens, begins anew. */
  instanceOver(error: SteadError): void {
    const state = this.#state;
    state.nonce = null;
    state.calls.failInflight(error);
    this.beginIfNeeded(this.#notifications.hasHandlers && !state.ended);
    this.#calls.pump();
  }

  beginIfNeeded(needed: boolean): void {
    const state = this.#state;
    if (needed && state.autoBegin && !state.nonce && !state.begin && !state.fenced && !state.closed) this.begin(null).catch(() => undefined);
  }

  /** Everything pending fails with `error`: calls, the begin and the end. */
  failAll(error: SteadError): void {
    const calls = this.#state.calls;
    calls.failInflight(error);
    calls.failWaiting(error);
    if (this.#state.begin) this.failBegin(error);
    if (this.#state.end) this.finishEnd(error);
    calls.releaseIdle();
  }
}
