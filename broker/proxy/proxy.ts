import type { Clock } from '../../shared/clock.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import type { Frame } from '../../shared/wire/frames.js';
import type { ProxyType } from '../apps/define-proxy.js';
import type { ProxyRecord } from '../record/record.js';
import { queueFrames, toSteadError } from '../record/replies.js';
import { wakeAt } from '../record/wake-at.js';
import type { Release, TransactionEnv } from '../transaction/transaction.js';
import { NOTHING, SessionBlobs, commitRecord, frameStep, keeperGrace, refusedFrame, heldExpiredStep, perform, pulseStep, settle, wakeStep, type ProtocolView, type Run, type Step } from '../protocol/index.js';
import { activate } from './activation.js';
import { HeldRequests } from './held-requests.js';
import { Inbox } from './inbox.js';
import { KeeperWait } from './keeper-wait.js';
import { OutputGate } from './output-gate.js';
import { RecordWriter } from './record-writer.js';
import type { InboxItem, ProxyHost } from './proxy-host.js';
import { viewOf, type ProxyView } from './proxy-view.js';
import { Wakeups } from './wakeups.js';

/**
 * One live proxy, as an actor: its inbox, its record, one apply path, the commit, the output gate
 * and recovery. Messages run one at a time across all sessions (DESIGN §4). Every decision is the
 * protocol's (broker/protocol/): it returns a Step, and `#apply` carries the Step out — the record
 * becomes the proxy's (committed first when durable), outputs leave through the gate once the
 * store confirmed (rule 7), and a run the Step asks for settles into the next Step.
 */
export class Proxy implements ProtocolView, TransactionEnv {
  readonly app: string;
  readonly id: string;
  readonly key: string;
  readonly blobs: SessionBlobs | null;
  readonly limits: Limits;
  readonly clock: Clock;
  readonly idleTtlMs: number | null;
  readonly #type: ProxyType;
  readonly #host: ProxyHost;
  readonly #inbox = new Inbox<InboxItem>();
  #record: ProxyRecord | null = null;
  #draining = false;
  #idleWaiters: (() => void)[] = [];
  readonly #wakeups: Wakeups;
  readonly #held: HeldRequests;
  readonly #gate: OutputGate;
  readonly #writer: RecordWriter;
  #pushQueuesOnLoad = false;
  /** While the record is provisional (protocol/blobs/provisional.ts): what waits for the blob keepers. */
  readonly #waiting: KeeperWait<InboxItem>;
  /** performance.now() when the frame being processed arrived: its reply's latency runs from it. */
  #arrivedAt = 0;

  constructor(type: ProxyType, id: string, host: ProxyHost) {
    this.app = type.name;
    this.id = id;
    this.key = `${type.name}/${id}`;
    this.#type = type;
    this.#host = host;
    this.limits = host.limits;
    this.clock = host.clock;
    this.idleTtlMs = host.idleTtlMs;
    this.#wakeups = new Wakeups(host.clock, (kind) => this.#enqueue({ kind }));
    this.#waiting = new KeeperWait(host.clock, () => this.#enqueue({ kind: 'grace' }));
    this.#held = new HeldRequests(host.clock, host.limits.outOfOrderHoldMs, (session, seq) => this.#enqueue({ kind: 'expire', session, seq }));
    this.#gate = new OutputGate(host.outbound.bind(this.app, this.id), this.#answered, this.#committed);
    this.#writer = new RecordWriter(type, id, host, this.#gate, this.#onCommitFailure);
    this.blobs = type.blobs && host.blobSeal ? new SessionBlobs(type.blobs, host.blobSeal, this.key, host) : null;
  }

  // ProtocolView and TransactionEnv: what decisions and transactions may ask of the proxy.

  get record(): ProxyRecord {
    if (!this.#record) throw new SteadError('STORE_FAILURE', `${this.key} is not loaded`);
    return this.#record;
  }

  get stored(): boolean {
    return this.#writer.version > 0;
  }

  newNonce(): Uint8Array {
    return this.#host.random.nonce();
  }

  hasMethod(name: string): boolean {
    return this.#type.methods.has(name);
  }

  // What the runtime asks.

  get idle(): boolean {
    return !this.#draining && this.#inbox.length === 0 && this.#gate.clear;
  }

  /** Queues a frame from a session; false when the inbox is full. */
  enqueueFrame(session: string, frame: Frame): boolean {
    if (this.#inbox.length + this.#waiting.size >= this.#host.limits.maxInbox) return false;
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
    const live = { inbox: this.#inbox.length, held: this.#held.size + this.#waiting.size, gateBacklog: this.#gate.backlog, lastCommitAt: this.#writer.lastCommitAt };
    return viewOf(this.key, this.#writer.version, this.#record, live);
  }

  /** Resolves when the inbox is empty, nothing runs and every commit has settled. */
  async whenIdle(): Promise<void> {
    while (!this.idle) {
      if (this.#draining || this.#inbox.length > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      else await this.#gate.settled();
    }
  }

  /** Stops pulses and timers and forgets held and waiting requests (devices retry them elsewhere or later). */
  stop(): void {
    this.#wakeups.stop();
    this.#held.clear();
    this.#waiting.stop();
  }

  /** Loads the proxy now (used to wake proxies with due timers at start-up). */
  wake(): void {
    this.#wakeups.queueTimer();
  }

  // The inbox: one message at a time.

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
        if (item.kind === 'pulse' || item.kind === 'timer') this.#wakeups.taken(item.kind);
        const failure = this.#record ? null : await this.#activate();
        if (failure) {
          // A frame gets the reason (its sender retries or fails, as the code says); the timers
          // have nobody to retry for them: while the store fails, a wake-up tries again after a
          // backoff (an app whose init throws fails the same way each time: nothing to retry).
          if (failure.code === 'STEAD_E_STORE_FAILURE') this.#wakeups.failed();
          if (item.kind === 'frame') void this.#apply(refusedFrame(item.session, item.frame, failure));
          this.#host.count('dropped.unloaded');
          continue;
        }
        if (this.#waiting.active && item.kind !== 'grace' && this.#waits(item)) continue;
        try {
          const pending = this.#apply(this.#decide(item));
          if (pending) await pending;
        } catch (error) {
          // A throw after app code returned: handled like a failed commit (rule 9).
          this.#abort([], error);
        }
        if (this.#waiting.active) this.#checkGrace();
      }
    } finally {
      this.#draining = false;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  #decide(item: InboxItem): Step {
    const now = this.#host.clock.now();
    switch (item.kind) {
      case 'frame':
        this.#arrivedAt = item.at;
        return frameStep(this, item.session, item.frame, now);
      case 'pulse':
        return pulseStep();
      case 'timer':
        return wakeStep(this, now);
      case 'expire':
        return heldExpiredStep(item.session, this.#held.take(item.session, item.seq));
      case 'grace':
        // Only wakes the proxy: the loop sees the grace is over.
        return NOTHING;
    }
  }

  /**
   * DESIGN §7: while the record is provisional, what is not a blob keeper's waits. True when the
   * item was set aside (it waits, or what waited goes ahead of it).
   */
  #waits(item: InboxItem): boolean {
    const session = item.kind === 'frame' || item.kind === 'expire' ? item.session : null;
    const grace = keeperGrace(this, session, item.kind === 'frame' ? item.frame : null, this.#host.clock.now());
    if (grace === 'run') return false;
    if (grace === 'wait') {
      if (this.#waiting.park(item)) this.#host.log.info({ proxy: this.key, graceMs: this.#type.blobs?.graceMs }, 'proxy not in the store: requests wait for its blob keepers');
      this.#host.count('blobs.waited');
      return true;
    }
    this.#inbox.unshift(item);
    this.#endGrace();
    return true;
  }

  /** After each item: the grace ends once the record is written or its time is up (else its timer is armed). */
  #checkGrace(): void {
    const now = this.#host.clock.now();
    if (keeperGrace(this, null, null, now) === 'over') this.#endGrace();
    else this.#waiting.begin(this.blobs?.graceEndsAt ?? now);
  }

  /** The record is not provisional (any more): what waited runs first, in arrival order; the pulse starts. */
  #endGrace(): void {
    const waiting = this.#waiting.end();
    for (let i = waiting.length - 1; i >= 0; i--) this.#inbox.unshift(waiting[i] as InboxItem);
    if (this.#type.pulse && this.#record) this.#wakeups.startPulse(this.#type.pulse.every);
  }

  /** The one apply path: a Step carried out, then the run it asks for settled into the next Step. */
  #apply(step: Step): Promise<void> | void {
    this.#note(step);
    if (step.dropHeld === 'all') this.#held.clear();
    else if (step.dropHeld) for (const session of step.dropHeld) this.#held.drop(session);
    const arrivedAt = step.answers ? this.#arrivedAt : 0;
    if (step.record && step.durable) this.#commit(step.record, step.releases, arrivedAt);
    else {
      if (step.record) this.#record = step.record;
      this.#gate.release(step.releases, arrivedAt);
    }
    if (step.rearm) this.#wakeups.timerAt(wakeAt(this.record, this.#host));
    if (step.hold) this.#held.hold(step.hold.session, step.hold.frame);
    if (step.after) this.#releaseNextHeld(step.after.session, step.after.seq);
    if (step.run) return this.#run(step.run);
  }

  #run(run: Run): Promise<void> | void {
    const outcome = perform(this, this.#type, this.record, run);
    // Synchronous methods (the common case) settle without a promise.
    if (outcome instanceof Promise) return outcome.then((settled) => this.#apply(settle(this, run, settled, this.#host.clock.now())));
    return this.#apply(settle(this, run, outcome, this.#host.clock.now()));
  }

  /** What a Step tells the operator: errors by code, refusals in the rate-limited log, warnings. */
  #note(step: Step): void {
    if (step.error) this.#host.count(step.error.code);
    if (step.error && step.refused) this.#host.refused(step.error.code, this.key, step.refused.session, step.refused.ref);
    if (step.counts) for (const event of step.counts) this.#host.count(event);
    if (step.keeper !== undefined) this.blobs?.keep(step.keeper);
    if (step.warning) this.#host.log.warn({ err: step.warning.error, proxy: this.key, timer: step.warning.timer }, step.warning.message);
  }

  /** After seq was answered, the held request seq + 1 (if any) runs next, before anything else. */
  #releaseNextHeld(session: string, seq: number): void {
    const frame = this.#held.take(session, seq + 1);
    // Its arrival is not kept while it is held: its latency counts from its release.
    if (frame) this.#inbox.unshift({ kind: 'frame', session, frame, at: performance.now() });
  }

  // Activation, commits and recovery.

  /** Loads or initializes the record; the reason when that failed. */
  async #activate(): Promise<SteadError | null> {
    try {
      const { record, version } = await activate(this.#type, this.key, this.#host.store, this);
      this.#record = record;
      this.#writer.loaded(record, version);
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
    const now = this.#host.clock.now();
    this.blobs?.activated(now);
    if (keeperGrace(this, null, null, now) !== 'over') this.#waiting.begin(this.blobs?.graceEndsAt ?? now);
    else if (this.#type.pulse) this.#wakeups.startPulse(this.#type.pulse.every);
    this.#wakeups.timerAt(wakeAt(this.record, this.#host));
    return null;
  }

  /** Rule 7: the record is written before this step's outputs leave; a record that cannot be encoded aborts (rule 9). */
  #commit(changed: ProxyRecord, changedReleases: readonly Release[], arrivedAt = 0): void {
    const { record, releases } = commitRecord(this, changed, changedReleases, this.#host.clock.now());
    const wake = wakeAt(record, this.#host);
    try {
      this.#writer.write(record, releases, wake, arrivedAt);
    } catch (error) {
      return this.#abort(releases, error);
    }
    this.#record = record;
    this.#wakeups.timerAt(wake);
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

  /** Something failed after app code returned: like a failed commit, nothing is released. */
  #abort(releases: readonly Release[], error: unknown): void {
    this.#host.log.error({ err: error, proxy: this.key }, 'transaction could not be committed');
    this.#gate.commit(releases, this.#onCommitFailure)(error);
  }

  /** One function per proxy, not per call: the gate calls it as a call's reply leaves. */
  readonly #answered = (arrivedAt: number): void => {
    this.#host.observe('call', (performance.now() - arrivedAt) / 1000);
  };

  readonly #committed = (): void => {
    this.#wakeups.succeeded();
  };

  readonly #onCommitFailure = (error: unknown): void => {
    // Rule 9: the proxy reloads before its next message — and has one after a backoff, so an
    // idle proxy reloads too (its timers re-arm, its queues are pushed) without spinning while
    // the store keeps failing.
    this.#wakeups.failed();
    this.#host.log.warn({ err: error, proxy: this.key }, 'commit failed; reloading proxy');
    this.#host.count(isSteadError(error) ? error.code : 'STEAD_E_STORE_FAILURE');
  };
}
