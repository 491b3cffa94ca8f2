import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import { bytesEqual, type Random } from '../../shared/random.js';
import type { Topics } from '../../shared/topics.js';
import { decodeValue, encodeFrame, encodeValue } from '../../shared/wire/codec.js';
import { Kind, type CallFrame, type Frame } from '../../shared/wire/frames.js';
import { handleFrame } from '../handlers/index.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';
import { checkArgs } from './check-args.js';
import { MethodContext, type ContextHost } from './context.js';
import type { ProxyType } from './define-proxy.js';
import { Effects, applyEffects, type Delivery } from './effects.js';
import { Inbox } from './inbox.js';
import { decodeRecord, encodeRecord, wakeAt, type ProxyRecord } from './record.js';
import { replyBytes, errorBytes, toSteadError } from './replies.js';

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

/** Outcome of running app code in a transaction. */
type Outcome =
  | { ok: true; value: unknown; effects: Effects; stateBytes: Uint8Array | null }
  | { ok: false; error: SteadError };

/** Bytes to publish to a session once the commit is durable (the output gate, rule 7). */
export interface Release {
  session: string;
  bytes: Uint8Array;
}

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
  #pulseTimer: ReturnType<typeof setInterval> | null = null;
  #pulseQueued = false;
  #wakeTimer: ReturnType<typeof setTimeout> | null = null;
  #wakeQueued = false;
  readonly #held = new Map<string, Map<number, { frame: CallFrame; timer: ReturnType<typeof setTimeout> }>>();

  constructor(type: ProxyType, id: string, host: ProxyHost) {
    this.app = type.name;
    this.id = id;
    this.key = `${type.name}/${id}`;
    this.#type = type;
    this.#host = host;
  }

  get record(): ProxyRecord {
    if (!this.#record) throw new Error(`${this.key} is not loaded`);
    return this.#record;
  }

  get limits(): Limits {
    return this.#host.limits;
  }

  get idle(): boolean {
    return !this.#draining && this.#inbox.length === 0;
  }

  now(): number {
    return this.#host.clock.now();
  }

  newNonce(): Uint8Array {
    return this.#host.random.nonce();
  }

  hasMethod = (name: string): boolean => this.#type.methods.has(name);

  /** Queues a frame from a session; false when the inbox is full. */
  enqueueFrame(session: string, frame: Frame): boolean {
    if (this.#inbox.length >= this.#host.limits.maxInbox) return false;
    this.#enqueue({ kind: 'frame', session, frame });
    return true;
  }

  /** Resolves when the inbox is empty and nothing runs. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops pulses and timers and forgets held requests (devices retry them elsewhere or later). */
  stop(): void {
    if (this.#pulseTimer) clearInterval(this.#pulseTimer);
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#pulseTimer = null;
    this.#wakeTimer = null;
    this.#clearHeld();
  }

  /** Loads the proxy now (used to wake proxies with due timers at start-up). */
  wake(): void {
    this.#enqueue({ kind: 'timer' });
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
        if (!this.#record && !(await this.#activate())) {
          this.#host.count('dropped.unloaded');
          continue;
        }
        try {
          await this.#process(item);
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
      case 'frame':
        return handleFrame(this, item.session, item.frame);
      case 'pulse':
        this.#pulseQueued = false;
        return this.#runPulse();
      case 'timer':
        this.#wakeQueued = false;
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
    this.#startPulse();
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

  /** Drops the in-memory copy after a failed commit; the next message reloads (rule 9). */
  #unload(): void {
    this.#record = null;
    this.#clearHeld();
  }

  /**
   * Runs a method for a call (rules 5–7): the caller has admitted the frame. Records the reply
   * in the session's cache, commits, then releases the reply and notifications.
   */
  async invoke(session: string, frame: CallFrame): Promise<void> {
    const method = this.#type.methods.get(frame.method);
    const outcome: Outcome = !method
      ? { ok: false, error: new SteadError('UNKNOWN_METHOD', `${this.app} has no method ${frame.method}`) }
      : await this.#run(session, (ctx) => {
          if (method.args) checkArgs(frame.method, method.args, frame.args);
          return method.run(ctx, ...(frame.args as never[]));
        });
    let reply = outcome.ok ? replyBytes(frame.nonce, frame.seq, outcome.value, this.limits.maxFrameBytes) : null;
    let result = outcome;
    if (outcome.ok && !reply) {
      this.#rollback();
      result = { ok: false, error: new SteadError('REPLY_TOO_LARGE', `reply to ${frame.method} exceeds one frame`) };
    }
    if (!result.ok) reply = errorBytes(frame.nonce, frame.seq, result.error);
    const s = this.record.sessions.get(session);
    if (!s) return;
    s.lastSeq = frame.seq;
    s.replies.set(frame.seq, reply as Uint8Array);
    trimReplies(s.replies, frame.answered, this.limits.replyCacheSize);
    const releases: Release[] = [{ session, bytes: reply as Uint8Array }];
    if (result.ok) await this.#commitOutcome(result, session, releases);
    else this.#release(releases);
  }

  /** Commits bookkeeping that changed the record (begin, end, acks), then releases. */
  async commitBookkeeping(releases: Release[]): Promise<boolean> {
    return this.#commit(releases);
  }

  /** Sends bytes that need no commit (a cached reply, an error that changed nothing). */
  send(session: string, bytes: Uint8Array): void {
    this.#host.publish(this.#host.topics.outbound(this.app, this.id, session), bytes);
  }

  sendError(session: string, ref: Uint8Array | null, seq: number, error: SteadError): void {
    this.#host.count(error.code);
    this.send(session, errorBytes(ref, seq, error));
  }

  async #commitOutcome(outcome: Extract<Outcome, { ok: true }>, session: string | null, releases: Release[]): Promise<void> {
    const record = this.record;
    let delivery: Delivery;
    try {
      delivery = applyEffects(record, outcome.effects, session, this.now());
    } catch (error) {
      // Effects that cannot apply (a session limit) abort the transaction like a throw would.
      this.#host.log.warn({ err: error, proxy: this.key }, 'effects refused; reloading');
      this.#unload();
      return;
    }
    if (outcome.stateBytes) record.stateBytes = outcome.stateBytes;
    for (const [name, items] of delivery) {
      const dropped = record.sessions.get(name)?.queue.dropped ?? 0;
      for (const item of items) {
        releases.push({ session: name, bytes: encodeFrame({ kind: Kind.notify, seq: item.seq, payload: item.payload, dropped }) });
      }
    }
    // Rule 7: a method that changed nothing writes nothing; its reply still leaves.
    if (outcome.stateBytes || !outcome.effects.empty) await this.#commit(releases);
    else this.#release(releases);
  }

  async #commit(releases: Release[]): Promise<boolean> {
    const record = this.record;
    const write = { key: this.key, expectVersion: this.#version, record: encodeRecord(record), wakeAt: wakeAt(record) };
    try {
      await this.#host.committer.write(write);
    } catch (error) {
      // Rule 9: nothing is released; reload from the store; the device's retry sees the truth.
      this.#host.log.warn({ err: error, proxy: this.key }, 'commit failed; reloading proxy');
      this.#host.count(isSteadError(error) ? error.code : 'STEAD_E_STORE_FAILURE');
      this.#unload();
      return false;
    }
    this.#version++;
    this.#release(releases);
    this.#scheduleWake();
    return true;
  }

  #release(releases: Release[]): void {
    for (const { session, bytes } of releases) this.send(session, bytes);
  }

  async #run(session: string | null, body: (ctx: MethodContext<unknown>) => unknown): Promise<Outcome> {
    const effects = new Effects();
    const ctx = new MethodContext<unknown>(this, session, effects);
    try {
      let value = body(ctx);
      if (value instanceof Promise) value = await value;
      const stateBytes = encodeValue(this.state);
      if (stateBytes.length > this.limits.maxStateBytes) {
        throw new SteadError('STATE_TOO_LARGE', `state of ${stateBytes.length} bytes exceeds ${this.limits.maxStateBytes}`);
      }
      return { ok: true, value, effects, stateBytes: bytesEqual(stateBytes, this.record.stateBytes) ? null : stateBytes };
    } catch (error) {
      this.#rollback();
      return { ok: false, error: toSteadError(error) };
    }
  }

  /** Rule 6: drop the draft by decoding the last committed state. */
  #rollback(): void {
    this.state = decodeValue(this.record.stateBytes);
  }

  // Pulse and durable timers.

  #startPulse(): void {
    const pulse = this.#type.pulse;
    if (!pulse || this.#pulseTimer) return;
    this.#pulseTimer = setInterval(() => {
      // Pulses coalesce: at most one waits in the inbox (DESIGN §4).
      if (this.#pulseQueued) return;
      this.#pulseQueued = true;
      this.#enqueue({ kind: 'pulse' });
    }, pulse.every);
    this.#pulseTimer.unref();
  }

  async #runPulse(): Promise<void> {
    const pulse = this.#type.pulse;
    if (!pulse) return;
    const outcome = await this.#run(null, (ctx) => pulse.run(ctx));
    if (outcome.ok) await this.#commitOutcome(outcome, null, []);
    else this.#host.log.warn({ err: outcome.error, proxy: this.key }, 'pulse failed');
  }

  #scheduleWake(): void {
    if (!this.#record) return;
    const at = wakeAt(this.#record);
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeTimer = null;
    if (at === null) return;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = null;
      if (this.#wakeQueued) return;
      this.#wakeQueued = true;
      this.#enqueue({ kind: 'timer' });
    }, Math.max(0, at - this.now()));
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
      ? await this.#run(null, (ctx) => method.run(ctx, ...(due.args as never[])))
      : { ok: false, error: new SteadError('UNKNOWN_METHOD', `timer method ${due.method} is gone`) };
    if (outcome.ok) await this.#commitOutcome(outcome, null, []);
    else {
      this.#host.log.warn({ err: outcome.error, proxy: this.key, timer: due.method }, 'timer method failed; timer dropped');
      await this.#commit([]);
    }
    // More may be due: keep firing in order, one message each.
    if (this.#record && wakeAt(this.#record) !== null) this.#scheduleWake();
  }

  // Rule 4: requests after a gap wait for it, or fail with OUT_OF_ORDER.

  hold(session: string, frame: CallFrame): void {
    let held = this.#held.get(session);
    if (!held) this.#held.set(session, (held = new Map()));
    const previous = held.get(frame.seq);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.#enqueue({ kind: 'expire', session, seq: frame.seq }), this.limits.outOfOrderHoldMs);
    held.set(frame.seq, { frame, timer });
  }

  /** After seq ran, the held request seq + 1 (if any) runs next, before anything else. */
  releaseNextHeld(session: string, seq: number): void {
    const held = this.#held.get(session)?.get(seq + 1);
    if (!held) return;
    clearTimeout(held.timer);
    this.#held.get(session)?.delete(seq + 1);
    this.#inbox.unshift({ kind: 'frame', session, frame: held.frame });
  }

  dropHeld(session: string): void {
    const held = this.#held.get(session);
    if (!held) return;
    for (const { timer } of held.values()) clearTimeout(timer);
    this.#held.delete(session);
  }

  #expireHeld(session: string, seq: number): void {
    const held = this.#held.get(session)?.get(seq);
    if (!held) return;
    this.#held.get(session)?.delete(seq);
    const error = new SteadError('OUT_OF_ORDER', `seq ${seq} waited for a gap that did not fill`);
    this.sendError(session, held.frame.nonce, seq, error);
  }

  #clearHeld(): void {
    for (const session of [...this.#held.keys()]) this.dropHeld(session);
  }

  isCurrentNonce(session: string, nonce: Uint8Array): boolean {
    return bytesEqual(this.#record?.sessions.get(session)?.nonce, nonce);
  }
}

/** Keeps replies the device may still ask for: above `answered`, at most `size` of them. */
function trimReplies(replies: Map<number, Uint8Array>, answered: number, size: number): void {
  for (const seq of replies.keys()) {
    if (seq <= answered || replies.size > size) replies.delete(seq);
    else break;
  }
}
