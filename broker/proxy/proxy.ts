import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import type { Random } from '../../shared/random.js';
import type { CallFrame, Frame, ResourceFrame } from '../../shared/wire/frames.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { correlation, handleFrame, type SessionView, type Update, type Verdict } from '../handlers/index.js';
import { encodeRecord } from '../record/record-codec.js';
import { seenAt, seenIsStale, withoutIdle } from '../record/idle.js';
import { dueTimer, withSession, withoutTimer, type DurableTimer, type ProxyRecord, type SessionRecord } from '../record/record.js';
import { wakeAt } from '../record/wake-at.js';
import { errorBytes, queueFrames, toSteadError } from '../record/replies.js';
import { keptAnswer, purgeExpired } from '../record/resources.js';
import { skipped } from '../record/session-steps.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';
import type { Outcome, Release, TransactionEnv } from '../transaction/transaction.js';
import type { BlobSeal } from '../record/blob-seal.js';
import { activate } from './activation.js';
import { SessionBlobs, blobsOff } from './blob-delivery.js';
import { answerCall, runCall, runPulse, runTimer } from './app-runs.js';
import { CommitAnnouncer } from './commit-announcer.js';
import type { CommitEvents } from './commit-events.js';
import { HeldRequests } from './held-requests.js';
import { Inbox } from './inbox.js';
import type { Outbound } from './outbound.js';
import { OutputGate } from './output-gate.js';
import { viewOf, type ProxyView } from './proxy-view.js';
import { runResource } from './resource-runs.js';
import { Wakeups } from './wakeups.js';

/** What every proxy shares with the runtime that hosts it. */
export interface ProxyHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly log: Logger;
  readonly outbound: Outbound;
  /** Sessions not seen for this long are swept (docs/sessions.md); null: never. */
  readonly idleTtlMs: number | null;
  readonly commits: CommitEvents;
  /** Seals session blobs for types that keep them (DESIGN §7); null without a blob key. */
  readonly blobSeal?: BlobSeal | null;
  count(event: string): void;
  /** A call's latency in seconds, from its arrival to its reply leaving the gate (metrics). */
  observe(event: 'call', seconds: number): void;
  /** A request refused before any method ran: logged once per code and session, rate-limited. */
  refused(code: string, proxy: string, session: string, nonce: Uint8Array | null): void;
}

type InboxItem =
  | { kind: 'frame'; session: string; frame: Frame; at: number }
  | { kind: 'pulse' }
  | { kind: 'timer' }
  | { kind: 'expire'; session: string; seq: number };

/**
 * One live proxy: its inbox and its record. Messages run one at a time across all sessions
 * (DESIGN §4). For a frame a handler decides and the proxy carries the verdict out; app code
 * runs in a transaction that returns a new record; the record is encoded, becomes the proxy's,
 * and is committed; outputs leave through the gate once the store confirmed (rule 7).
 *
 * Why this file is over 400 lines: it is the one place where a verdict becomes a commit, so
 * every kind of work (frames, pulses, timers, the idle sweep, resource purges, blob requests)
 * ends in its private #commit and must see the same record and version. The jobs that stand
 * alone have files of their own: activation (activation.ts), app runs (app-runs.ts), resource
 * runs (resource-runs.ts), held requests (held-requests.ts), wake-ups (wakeups.ts), the output
 * gate and blob delivery (output-gate.ts, blob-delivery.ts), commit events (commit-announcer.ts),
 * the inspect view (proxy-view.ts). The next split is the wake-up steps (sweep, purge, due timer)
 * into a module handed a commit function.
 */
export class Proxy implements SessionView, TransactionEnv {
  readonly app: string;
  readonly id: string;
  readonly key: string;
  readonly #type: ProxyType;
  readonly #host: ProxyHost;
  readonly #inbox = new Inbox<InboxItem>();
  #record: ProxyRecord | null = null;
  /** The record as last loaded or submitted for writing: what a commit event compares with. */
  #written: ProxyRecord | null = null;
  #version = 0;
  #draining = false;
  #idleWaiters: (() => void)[] = [];
  readonly #wakeups: Wakeups;
  readonly #held: HeldRequests;
  readonly #gate: OutputGate;
  readonly #announcer: CommitAnnouncer;
  #pushQueuesOnLoad = false;
  /** performance.now() when the frame being processed arrived: its reply's latency runs from it. */
  #arrivedAt = 0;
  #lastCommitAt: number | null = null;
  readonly #blobs: SessionBlobs | null;

  constructor(type: ProxyType, id: string, host: ProxyHost) {
    this.app = type.name;
    this.id = id;
    this.key = `${type.name}/${id}`;
    this.#type = type;
    this.#host = host;
    this.#wakeups = new Wakeups(host.clock, (kind) => this.#enqueue({ kind }));
    this.#held = new HeldRequests(host.clock, host.limits.outOfOrderHoldMs, (session, seq) => this.#enqueue({ kind: 'expire', session, seq }));
    this.#gate = new OutputGate(host.outbound.bind(this.app, this.id), this.#answered);
    this.#announcer = new CommitAnnouncer(type, id, host);
    this.#blobs = type.blobs && host.blobSeal ? new SessionBlobs(type.blobs, host.blobSeal, this.key, host) : null;
  }

  get record(): ProxyRecord {
    if (!this.#record) throw new SteadError('STORE_FAILURE', `${this.key} is not loaded`);
    return this.#record;
  }

  get limits(): Limits {
    return this.#host.limits;
  }

  get clock(): Clock {
    return this.#host.clock;
  }

  get idle(): boolean {
    return !this.#draining && this.#inbox.length === 0 && this.#gate.clear;
  }

  // SessionView and TransactionEnv: what handlers and transactions may ask of the proxy.

  session(name: string): SessionRecord | undefined {
    return this.#record?.sessions.get(name);
  }

  get sessionCount(): number {
    return this.#record?.sessions.size ?? 0;
  }

  now(): number {
    return this.#host.clock.now();
  }

  newNonce(): Uint8Array {
    return this.#host.random.nonce();
  }

  hasMethod(name: string): boolean {
    return this.#type.methods.has(name);
  }

  resourceAnswer(request: Uint8Array): Uint8Array | undefined {
    return this.#record ? keptAnswer(this.#record, request) : undefined;
  }

  /** Queues a frame from a session; false when the inbox is full. */
  enqueueFrame(session: string, frame: Frame): boolean {
    if (this.#inbox.length >= this.#host.limits.maxInbox) return false;
    this.#enqueue({ kind: 'frame', session, frame, at: performance.now() });
    return true;
  }

  /** For metrics and inspection (read on a scrape, never per message). */
  get loaded(): boolean {
    return this.#record !== null;
  }

  get inboxDepth(): number {
    return this.#inbox.length;
  }

  get gateBacklog(): number {
    return this.#gate.backlog;
  }

  /** The live view for `stead proxy inspect`; null while the record is not loaded. */
  inspect(): ProxyView | null {
    if (!this.#record) return null;
    const live = { inbox: this.#inbox.length, held: this.#held.size, gateBacklog: this.#gate.backlog, lastCommitAt: this.#lastCommitAt };
    return viewOf(this.key, this.#version, this.#record, live);
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
        const failure = this.#record ? null : await this.#activate();
        if (failure) {
          // A frame gets the reason (its sender retries or fails, as the code says); a dropped
          // pulse or timer run must not stay marked as queued, or none would come again.
          if (item.kind === 'frame') this.#refuse(item.session, ...correlation(item.frame), failure);
          else if (item.kind === 'pulse' || item.kind === 'timer') this.#wakeups.taken(item.kind);
          this.#host.count('dropped.unloaded');
          continue;
        }
        try {
          const pending = this.#process(item);
          if (pending) await pending;
        } catch (error) {
          // A throw after app code returned: handled like a failed commit (rule 9).
          this.#abort([], error);
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
        this.#arrivedAt = item.at;
        return this.#carryOut(item.session, handleFrame(this, item.session, item.frame));
      case 'pulse':
        this.#wakeups.taken('pulse');
        return this.#runPulse();
      case 'timer':
        // The wake-up steps, in order: every reason a proxy wakes without a request (wake-at.ts).
        this.#wakeups.taken('timer');
        this.#sweepIdle();
        this.#purgeExpiredResources();
        return this.#runDueTimer();
      case 'expire':
        return this.#expireHeld(item.session, item.seq);
    }
  }

  #carryOut(session: string, verdict: Verdict): Promise<void> | void {
    switch (verdict.kind) {
      case 'send':
        return this.#gate.release([{ session, bytes: verdict.bytes }]);
      case 'refuse':
        return this.#refuse(session, verdict.ref, verdict.seq, verdict.error);
      case 'hold':
        this.#skip(session, verdict.skipTo);
        return this.#held.hold(session, verdict.frame);
      case 'run':
        this.#skip(session, verdict.skipTo);
        return this.#runCall(session, verdict.frame);
      case 'update':
        return this.#update(session, verdict);
      case 'resource':
        return this.#runResource(session, verdict.frame, verdict.request);
      case 'blob':
        return this.#blobRequest(session, verdict.ref, verdict.blob);
      case 'nothing':
        return;
    }
  }

  // Activation and recovery.

  /** Loads or initializes the record; the reason when that failed. */
  async #activate(): Promise<SteadError | null> {
    try {
      const { record, version } = await activate(this.#type, this.key, this.#host.store, this);
      this.#record = record;
      this.#written = record;
      this.#version = version;
    } catch (error) {
      this.#host.log.error({ err: error, proxy: this.key }, 'proxy activation failed');
      this.#record = null;
      return toSteadError(error);
    }
    // After a reload, notifications a failed (but perhaps written) commit queued were never
    // sent: push every queue once; devices skip what they already have.
    if (this.#pushQueuesOnLoad) {
      this.#pushQueuesOnLoad = false;
      for (const [name, s] of this.record.sessions) this.#gate.release(queueFrames(s.queue).map((bytes) => ({ session: name, bytes })));
    }
    if (this.#type.pulse) this.#wakeups.startPulse(this.#type.pulse.every);
    this.#scheduleWake();
    return null;
  }

  /**
   * Rule 9: after a failed commit, wait for everything in flight to settle (none of it is
   * released), drop the in-memory record and let the next message reload from the store.
   */
  async #recover(): Promise<void> {
    await this.#gate.settled();
    this.#gate.reset();
    this.#record = null;
    this.#held.clear();
    this.#pushQueuesOnLoad = true;
  }

  // Bookkeeping verdicts.

  #refuse(session: string, ref: Uint8Array | null, seq: number, error: SteadError): void {
    this.#host.count(error.code);
    this.#host.refused(error.code, this.key, session, ref);
    this.#gate.release([{ session, bytes: errorBytes(ref, seq, error) }]);
  }

  #update(session: string, update: Update): void {
    if (update.dropHeld) this.#held.drop(session);
    const durable = update.durable || seenIsStale(update.session, this.now(), this.#host.idleTtlMs);
    const next = withSession(this.record, session, durable ? seenAt(update.session, this.now()) : update.session);
    const releases: Release[] = [];
    if (update.refusal) {
      this.#host.count(update.refusal.error.code);
      this.#host.refused(update.refusal.error.code, this.key, session, update.refusal.ref);
      releases.push({ session, bytes: errorBytes(update.refusal.ref, 0, update.refusal.error) });
    }
    if (update.send) releases.push({ session, bytes: update.send });
    if (update.resendQueue) for (const bytes of queueFrames(update.session.queue)) releases.push({ session, bytes });
    if (durable) return this.#commit(next, releases);
    this.#record = next;
    this.#gate.release(releases);
  }

  /** Moves past seqs the device says it holds replies for; a request held after them may run. */
  #skip(session: string, answeredUpTo: number): void {
    const s = this.record.sessions.get(session);
    if (!s || answeredUpTo <= s.lastSeq) return;
    this.#record = withSession(this.record, session, skipped(s, answeredUpTo));
    this.#releaseNextHeld(session, answeredUpTo);
  }

  // Calls (rules 5–7).

  #runCall(session: string, frame: CallFrame): Promise<void> | void {
    const outcome = runCall(this, this.#type, this.record, session, frame);
    // Synchronous methods (the common case) finish without a promise.
    if (outcome instanceof Promise) return outcome.then((settled) => this.#answerCall(session, frame, settled));
    this.#answerCall(session, frame, outcome);
  }

  #answerCall(session: string, frame: CallFrame, outcome: Outcome): void {
    const answer = answerCall(this.record, session, frame, outcome, this, this.#host.idleTtlMs);
    if (answer.error) this.#host.count(answer.error.code);
    // Rule 7: a method that changed nothing writes nothing; its reply still leaves in order.
    if (answer.durable) this.#commit(answer.record, answer.releases, this.#arrivedAt);
    else {
      this.#record = answer.record;
      this.#gate.release(answer.releases, this.#arrivedAt);
    }
    this.#releaseNextHeld(session, frame.seq);
  }

  /** DESIGN §6: a resource request; a write commits before its answer leaves (rule 7). */
  #runResource(session: string, frame: ResourceFrame, request: Uint8Array): void {
    const outcome = runResource(this, this.record, frame, request, this.#host.idleTtlMs);
    if (outcome.error) this.#host.count(outcome.error.code);
    const releases = [{ session, bytes: outcome.bytes }];
    if (outcome.record) this.#commit(outcome.record, releases);
    else this.#gate.release(releases);
  }

  /** DESIGN §7: a restored record commits before its answer leaves (rule 7). */
  #blobRequest(session: string, ref: Uint8Array, blob: Uint8Array | null): void {
    const answer = this.#blobs ? this.#blobs.request(this.record, this.#version > 0, session, ref, blob) : blobsOff(ref);
    if (answer.error) this.#host.count(answer.error.code);
    const releases = [{ session, bytes: answer.bytes }];
    if (!answer.record) return this.#gate.release(releases);
    this.#host.count('blobs.restored');
    this.#held.clear();
    this.#commit(answer.record, releases);
  }

  // Commits.

  /**
   * Rule 7: one atomic write of the whole record; its outputs leave through the gate once the
   * store confirms. Not awaited: the next message runs on this record while the write is in
   * flight, and its write (expecting this version) can share the same group commit. If the write
   * fails, nothing after it is released and the proxy reloads (rule 9).
   */
  #commit(changed: ProxyRecord, releases: readonly Release[], arrivedAt = 0): void {
    let bytes: Uint8Array;
    // DESIGN §6: expired session resources are purged with the next commit.
    let next = purgeExpired(changed, this.now());
    const written = this.#written;
    // DESIGN §7: a type that keeps blobs counts its commits; devices get a sealed copy.
    if (this.#blobs) {
      next = this.#blobs.stamped(next);
      releases = this.#blobs.withBlobs(next, written, releases);
    }
    try {
      bytes = encodeRecord(next);
    } catch (error) {
      return this.#abort(releases, error);
    }
    this.#record = next;
    this.#written = next;
    const wake = wakeAt(next, this.#host);
    const write = { key: this.key, expectVersion: this.#version, record: bytes, wakeAt: wake };
    this.#version++;
    const done = this.#gate.commit(releases, this.#onCommitFailure, arrivedAt);
    this.#lastCommitAt = this.#host.clock.now();
    // Commit events cost nothing (no closure, no diff) unless someone watches.
    this.#host.committer.submit(write, this.#announcer.watched ? this.#announcer.after(done, next, written, this.#version) : done);
    this.#wakeups.timerAt(wake);
  }

  /** Expired resources leave the store even if nobody touches the proxy again (DESIGN §6). */
  #purgeExpiredResources(): void {
    if (purgeExpired(this.record, this.now()) !== this.record) this.#commit(this.record, []);
  }

  /** DESIGN §6: the sessions idle past the TTL go, in one commit; their held requests too. */
  #sweepIdle(): void {
    const sweep = withoutIdle(this.record, this.now(), this.#host.idleTtlMs);
    if (!sweep) return;
    for (const name of sweep.swept) this.#held.drop(name);
    this.#host.count('sessions.swept');
    this.#commit(sweep.record, []);
  }

  /** Something failed after app code returned: like a failed commit, nothing is released. */
  #abort(releases: readonly Release[], error: unknown): void {
    this.#host.log.error({ err: error, proxy: this.key }, 'transaction could not be committed');
    this.#gate.commit(releases, this.#onCommitFailure)(error);
  }

  /** One function per proxy, not per call: the gate calls it as a call's reply leaves. */
  readonly #answered = (arrivedAt: number): void => {
    this.#host.observe('call', (performance.now() - arrivedAt) / 1000);
  };

  readonly #onCommitFailure = (error: unknown): void => {
    // Rule 9: the proxy reloads before its next message — and has one now, so an idle proxy
    // reloads too (its timers re-arm, its queues are pushed).
    this.#wakeups.queueTimer();
    this.#host.log.warn({ err: error, proxy: this.key }, 'commit failed; reloading proxy');
    this.#host.count(isSteadError(error) ? error.code : 'STEAD_E_STORE_FAILURE');
  };

  // Pulse and durable timers.

  async #runPulse(): Promise<void> {
    const outcome = await runPulse(this, this.#type, this.record);
    if (!outcome.ok) return this.#host.log.warn({ err: outcome.error, proxy: this.key }, 'pulse failed');
    if (outcome.record) this.#commit(outcome.record, outcome.notifications);
  }

  #scheduleWake(): void {
    if (this.#record) this.#wakeups.timerAt(wakeAt(this.#record, this.#host));
  }

  /** Fires the earliest due timer; its removal commits with the method's effect (exactly once). */
  #runDueTimer(): Promise<void> | void {
    const due = dueTimer(this.record, this.now());
    if (!due) return this.#scheduleWake();
    const outcome = runTimer(this, this.#type, this.record, due);
    if (outcome instanceof Promise) return outcome.then((settled) => this.#finishTimer(due, settled));
    this.#finishTimer(due, outcome);
  }

  #finishTimer(due: DurableTimer, outcome: Outcome): void {
    // The timer's removal is a change of its own: committed even if the method changed nothing.
    const base = withoutTimer(this.record, due.id);
    if (outcome.ok) this.#commit(outcome.record ?? base, outcome.notifications);
    else {
      this.#host.log.warn({ err: outcome.error, proxy: this.key, timer: due.method }, 'timer method failed; timer dropped');
      this.#commit(base, []);
    }
  }

  // Rule 4: requests after a gap wait for it, or fail with OUT_OF_ORDER.

  /** After seq was answered, the held request seq + 1 (if any) runs next, before anything else. */
  #releaseNextHeld(session: string, seq: number): void {
    const frame = this.#held.take(session, seq + 1);
    // Its arrival is not kept while it is held: its latency counts from its release.
    if (frame) this.#inbox.unshift({ kind: 'frame', session, frame, at: performance.now() });
  }

  #expireHeld(session: string, seq: number): void {
    const frame = this.#held.take(session, seq);
    if (frame) this.#refuse(session, frame.nonce, seq, new SteadError('OUT_OF_ORDER', `seq ${seq} waited for a gap that did not fill`));
  }
}
