import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import type { Random } from '../../shared/random.js';
import type { Topics } from '../../shared/topics.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';
import type { CallFrame, Frame } from '../../shared/wire/frames.js';
import { handleFrame } from '../handlers/index.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';
import { checkArgs } from './check-args.js';
import { MethodContext, type ContextHost } from './context.js';
import type { ProxyType } from './define-proxy.js';
import { Effects, applyEffects } from './effects.js';
import { Inbox } from './inbox.js';
import { Wakeups } from './wakeups.js';
import { decodeRecord, encodeRecord, touchSession, trimReplies, wakeAt, type ProxyRecord } from './record.js';
import { HeldRequests } from './held-requests.js';
import { OutputGate, type Release } from './output-gate.js';
import { errorBytes, notifyBytes, replyBytes } from './replies.js';
import { rollback, runTransaction, type Outcome } from './transaction.js';

/** What every proxy shares with the runtime that hosts it. */
export interface ProxyHost {
  readonly topics: Topics;
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly log: Logger;
  publish(topic: string, payload: Uint8Array): void;
  count(event: string): void;
}

type InboxItem =
  | { kind: 'frame'; session: string; frame: Frame }
  | { kind: 'pulse' }
  | { kind: 'timer' }
  | { kind: 'expire'; session: string; seq: number };


/**
 * One live proxy: its inbox, state and session records. Messages run one at a time across all
 * sessions; app code runs on a draft; effects are buffered and released only after the store
 * confirms the commit (DESIGN §4).
 */
export class Proxy implements ContextHost<unknown> {
  readonly app: string;
  readonly id: string;
  readonly key: string;
  state: unknown;
  readonly #type: ProxyType;
  readonly #host: ProxyHost;
  readonly #inbox = new Inbox<InboxItem>();
  #record: ProxyRecord | null = null;
  #version = 0;
  #draining = false;
  #idleWaiters: (() => void)[] = [];
  readonly #wakeups = new Wakeups((kind) => this.#enqueue({ kind }));
  readonly #held: HeldRequests;
  readonly #gate: OutputGate;
  readonly #outTopics = new Map<string, string>();
  #pushQueuesOnLoad = false;

  constructor(type: ProxyType, id: string, host: ProxyHost) {
    this.app = type.name;
    this.id = id;
    this.key = `${type.name}/${id}`;
    this.#type = type;
    this.#host = host;
    this.#held = new HeldRequests(host.limits.outOfOrderHoldMs, (session, seq) => this.#enqueue({ kind: 'expire', session, seq }));
    this.#gate = new OutputGate(({ session, bytes }) => host.publish(this.#outbound(session), bytes));
  }

  get record(): ProxyRecord {
    if (!this.#record) throw new Error(`${this.key} is not loaded`);
    return this.#record;
  }

  get limits(): Limits {
    return this.#host.limits;
  }

  get idle(): boolean {
    return !this.#draining && this.#inbox.length === 0 && this.#gate.clear;
  }

  now(): number {
    return this.#host.clock.now();
  }

  newNonce(): Uint8Array {
    return this.#host.random.nonce();
  }

  hasMethod = (name: string): boolean => this.#type.methods.has(name);

  /** The session's reply topic, built (and its names checked) once. */
  #outbound(session: string): string {
    let topic = this.#outTopics.get(session);
    if (topic === undefined) {
      topic = this.#host.topics.outbound(this.app, this.id, session);
      this.#outTopics.set(session, topic);
    }
    return topic;
  }

  /** Queues a frame from a session; false when the inbox is full. */
  enqueueFrame(session: string, frame: Frame): boolean {
    if (this.#inbox.length >= this.#host.limits.maxInbox) return false;
    this.#enqueue({ kind: 'frame', session, frame });
    return true;
  }

  /** Resolves when the inbox is empty, nothing runs and every commit has settled. */
  async whenIdle(): Promise<void> {
    while (!this.idle) {
      if (this.#draining || this.#inbox.length > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      else await this.#gate.settled();
    }
  }

  /** Stops pulses and timers and forgets held requests (devices retry them elsewhere or later). */
  stop(): void {
    this.#wakeups.stop();
    this.#held.clear();
  }

  /** Loads the proxy now (used to wake proxies with due timers at start-up). */
  wake(): void {
    this.#wakeups.queueTimer();
  }

  #enqueue(item: InboxItem): void {
    this.#inbox.push(item);
    if (!this.#draining) {
      this.#draining = true;
      void this.#drain();
    }
  }

  async #drain(): Promise<void> {
    try {
      for (let item = this.#inbox.shift(); item; item = this.#inbox.shift()) {
        if (this.#gate.failed) await this.#recover();
        if (!this.#record && !(await this.#activate())) {
          // A dropped pulse or timer run must not stay marked as queued, or none would come again.
          if (item.kind === 'pulse' || item.kind === 'timer') this.#wakeups.taken(item.kind);
          this.#host.count('dropped.unloaded');
          continue;
        }
        try {
          const pending = this.#process(item);
          if (pending) await pending;
        } catch (error) {
          this.#host.log.error({ err: error, proxy: this.key }, 'proxy message failed');
        }
      }
    } finally {
      this.#draining = false;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  #process(item: InboxItem): Promise<void> | void {
    switch (item.kind) {
      case 'frame': {
        // Any frame may change its session's record: its cached encoding is stale from here on.
        const session = this.#record?.sessions.get(item.session);
        if (session) touchSession(session);
        return handleFrame(this, item.session, item.frame);
      }
      case 'pulse':
        this.#wakeups.taken('pulse');
        return this.#runPulse();
      case 'timer':
        this.#wakeups.taken('timer');
        return this.#runDueTimer();
      case 'expire':
        return this.#expireHeld(item.session, item.seq);
    }
  }

  // Activation, as steps: load or init, then start the pulse and the timer wake-up.
  async #activate(): Promise<boolean> {
    try {
      const stored = await this.#host.store.load(this.key);
      if (stored) {
        this.#record = decodeRecord(stored.record);
        this.#version = stored.version;
        this.state = decodeValue(this.#record.stateBytes);
      } else {
        this.#initialize();
      }
    } catch (error) {
      this.#host.log.error({ err: error, proxy: this.key }, 'proxy activation failed');
      this.#record = null;
      return false;
    }
    if (this.#pushQueuesOnLoad) {
      this.#pushQueuesOnLoad = false;
      this.#pushQueues();
    }
    if (this.#type.pulse) this.#wakeups.startPulse(this.#type.pulse.every);
    this.#scheduleWake();
    return true;
  }

  #initialize(): void {
    const record: ProxyRecord = { stateBytes: new Uint8Array(0), sessions: new Map(), timers: [], nextTimerId: 1 };
    this.#record = record;
    this.#version = 0;
    const effects = new Effects();
    const ctx = new MethodContext<unknown>(this, null, effects);
    this.state = this.#type.init(ctx);
    record.stateBytes = encodeValue(this.state);
    applyEffects(record, effects, null, this.now());
  }

  /**
   * Rule 9: after a failed commit, wait for everything in flight to settle (none of it is
   * released), drop the in-memory copy and let the next message reload from the store.
   */
  async #recover(): Promise<void> {
    await this.#gate.settled();
    this.#gate.reset();
    this.#unload();
    this.#pushQueuesOnLoad = true;
  }

  /**
   * After a reload, notifications a failed (but perhaps written) commit queued were never sent:
   * push every queue once; devices skip what they already have.
   */
  #pushQueues(): void {
    for (const name of this.record.sessions.keys()) this.resendQueue(name);
  }

  /** Sends again, in order, every notification the session has not acknowledged. */
  resendQueue(session: string): void {
    const queue = this.record.sessions.get(session)?.queue;
    if (queue) for (const item of queue.items) this.send(session, notifyBytes(item, queue.dropped));
  }

  #unload(): void {
    this.#record = null;
    this.#held.clear();
  }

  /**
   * Runs a method for a call (rules 5–7): the caller has admitted the frame. Records the reply
   * in the session's cache, commits, then releases the reply and notifications.
   */
  invoke(session: string, frame: CallFrame): Promise<void> | void {
    const method = this.#type.methods.get(frame.method);
    const outcome: Outcome | Promise<Outcome> = !method
      ? { ok: false, error: new SteadError('UNKNOWN_METHOD', `${this.app} has no method ${frame.method}`) }
      : runTransaction(this, session, (ctx) => {
          if (method.args) checkArgs(frame.method, method.args, frame.args);
          return method.run(ctx, ...(frame.args as never[]));
        });
    // Synchronous methods (the common case) finish without a promise.
    if (outcome instanceof Promise) return outcome.then((settled) => this.#answerCall(session, frame, settled));
    this.#answerCall(session, frame, outcome);
  }

  /** Rules 6–7 for a call: cache the reply (or error), commit what changed, release in order. */
  #answerCall(session: string, frame: CallFrame, outcome: Outcome): void {
    let reply = outcome.ok ? replyBytes(frame.nonce, frame.seq, outcome.value, this.limits.maxFrameBytes) : null;
    let result = outcome;
    if (outcome.ok && !reply) {
      rollback(this);
      result = { ok: false, error: new SteadError('REPLY_TOO_LARGE', `reply to ${frame.method} exceeds one frame`) };
    }
    if (!result.ok) reply = errorBytes(frame.nonce, frame.seq, result.error);
    const s = this.record.sessions.get(session);
    if (!s) return;
    s.lastSeq = frame.seq;
    s.replies.set(frame.seq, reply as Uint8Array);
    trimReplies(s.replies, frame.answered, this.limits.replyCacheSize);
    const releases: Release[] = [{ session, bytes: reply as Uint8Array }];
    if (result.ok) this.#commitOutcome(result, session, releases);
    else this.#gate.release(releases);
  }

  /** Commits bookkeeping that changed the record (begin, end, acks), then releases. */
  commitBookkeeping(releases: Release[]): void {
    this.#commit(releases);
  }

  /**
   * Sends bytes that need no commit of their own (a cached reply, an error). They still wait
   * behind commits in flight: what they say may depend on them.
   */
  send(session: string, bytes: Uint8Array): void {
    this.#gate.release([{ session, bytes }]);
  }

  sendError(session: string, ref: Uint8Array | null, seq: number, error: SteadError): void {
    this.#host.count(error.code);
    this.send(session, errorBytes(ref, seq, error));
  }

  #commitOutcome(outcome: Extract<Outcome, { ok: true }>, session: string | null, releases: Release[], recordChanged = false): void {
    const record = this.record;
    const delivery = applyEffects(record, outcome.effects, session, this.now());
    if (outcome.stateBytes) record.stateBytes = outcome.stateBytes;
    for (const [name, items] of delivery) {
      const dropped = record.sessions.get(name)?.queue.dropped ?? 0;
      for (const item of items) releases.push({ session: name, bytes: notifyBytes(item, dropped) });
    }
    // Rule 7: a method that changed nothing writes nothing; its reply still leaves (in order).
    if (recordChanged || outcome.stateBytes || !outcome.effects.empty) this.#commit(releases);
    else this.#gate.release(releases);
  }

  /**
   * Rule 7: one atomic write of the whole record; its outputs leave through the gate once the
   * store confirms. Not awaited: the next message runs while the write is in flight, and its
   * write (expecting this version) can share the same group commit.
   */
  #commit(releases: Release[]): void {
    const record = this.record;
    const write = { key: this.key, expectVersion: this.#version, record: encodeRecord(record), wakeAt: wakeAt(record) };
    this.#version++;
    const settle = this.#gate.commit(releases, (error) => {
      // Rule 9: nothing is released; the proxy reloads before its next message — and has one
      // now, so an idle proxy reloads too (its timers re-arm, its queues are pushed).
      this.#wakeups.queueTimer();
      this.#host.log.warn({ err: error, proxy: this.key }, 'commit failed; reloading proxy');
      this.#host.count(isSteadError(error) ? error.code : 'STEAD_E_STORE_FAILURE');
    });
    this.#host.committer.submit(write, settle);
    this.#scheduleWake();
  }

  // Pulse and durable timers.

  async #runPulse(): Promise<void> {
    const pulse = this.#type.pulse;
    if (!pulse) return;
    const outcome = await runTransaction(this, null, (ctx) => pulse.run(ctx));
    if (outcome.ok) this.#commitOutcome(outcome, null, []);
    else this.#host.log.warn({ err: outcome.error, proxy: this.key }, 'pulse failed');
  }

  #scheduleWake(): void {
    if (this.#record) this.#wakeups.timerAt(wakeAt(this.#record), this.now());
  }

  /** Fires the earliest due timer; its removal commits with the method's effect (exactly once). */
  async #runDueTimer(): Promise<void> {
    const record = this.record;
    const now = this.now();
    const due = record.timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at || a.id - b.id)[0];
    if (!due) return this.#scheduleWake();
    const method = this.#type.methods.get(due.method);
    record.timers = record.timers.filter((t) => t.id !== due.id);
    const outcome: Outcome = method
      ? await runTransaction(this, null, (ctx) => method.run(ctx, ...(due.args as never[])))
      : { ok: false, error: new SteadError('UNKNOWN_METHOD', `timer method ${due.method} is gone`) };
    // The timer's removal is a change of its own: commit it even if the method changed nothing.
    if (outcome.ok) this.#commitOutcome(outcome, null, [], true);
    else {
      this.#host.log.warn({ err: outcome.error, proxy: this.key, timer: due.method }, 'timer method failed; timer dropped');
      this.#commit([]);
    }
    // More may be due: keep firing in order, one message each.
    if (this.#record && wakeAt(this.#record) !== null) this.#scheduleWake();
  }

  // Rule 4: requests after a gap wait for it, or fail with OUT_OF_ORDER.

  hold(session: string, frame: CallFrame): void {
    this.#held.hold(session, frame);
  }

  /** After seq ran, the held request seq + 1 (if any) runs next, before anything else. */
  releaseNextHeld(session: string, seq: number): void {
    const frame = this.#held.take(session, seq + 1);
    if (frame) this.#inbox.unshift({ kind: 'frame', session, frame });
  }

  dropHeld(session: string): void {
    this.#held.drop(session);
  }

  #expireHeld(session: string, seq: number): void {
    const frame = this.#held.take(session, seq);
    if (frame) this.sendError(session, frame.nonce, seq, new SteadError('OUT_OF_ORDER', `seq ${seq} waited for a gap that did not fill`));
  }

}
