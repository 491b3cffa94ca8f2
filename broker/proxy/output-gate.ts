import type { Release } from '../transaction/transaction.js';
import { coalesced } from '../protocol/index.js';
import type { SessionSend } from './outbound.js';

interface Link {
  settled: boolean;
  ok: boolean;
  releases: readonly Release[];
  /** When the call these outputs answer arrived (performance.now()); 0 for other outputs. */
  startedAt: number;
}

/** Told when a call's reply leaves, with the time its request arrived (for call latency). */
export type OnAnswered = (startedAt: number) => void;

/** Told when the store confirmed a commit. */
export type OnCommitted = () => void;

/**
 * The output gate (DESIGN §4 rule 7): nothing leaves a proxy before the store confirms every
 * commit it may depend on. Commits are pipelined — the proxy runs its next message while a commit
 * is in flight, so one proxy's consecutive commits can share a group commit — and outputs leave
 * strictly in order, from a FIFO of links. After a failed commit nothing more is released until
 * `reset`.
 */
export class OutputGate {
  readonly #send: SessionSend;
  readonly #answered: OnAnswered;
  readonly #committed: OnCommitted;
  #links: Link[] = [];
  #failed = false;
  #waiters: (() => void)[] = [];

  /** `send` is the gate's one outbound port. */
  constructor(send: SessionSend, answered: OnAnswered, committed: OnCommitted) {
    this.#send = send;
    this.#answered = answered;
    this.#committed = committed;
  }

  /** Commits in flight whose outputs wait (the output-gate backlog). */
  get backlog(): number {
    return this.#links.length;
  }

  /** Nothing in flight: outputs leave at once. */
  get clear(): boolean {
    return this.#links.length === 0;
  }

  /** A commit failed: the proxy must wait for `settled`, then `reset` and reload. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Releases after every earlier commit succeeded; at once when nothing is in flight.
   * `startedAt` (performance.now() at the call's arrival) marks the reply of a call.
   */
  release(releases: readonly Release[], startedAt = 0): void {
    if (releases.length === 0 || this.#failed) return;
    if (this.#links.length === 0) {
      for (const { session, bytes } of releases) this.#send(session, bytes);
      if (startedAt > 0) this.#answered(startedAt);
      return;
    }
    this.#links.push({ settled: true, ok: true, releases, startedAt });
  }

  /**
   * Queues a commit's outputs; call the returned function when the store answers (with the
   * error if it failed). Outputs leave once it and every earlier commit succeeded.
   */
  commit(releases: readonly Release[], onFailure: (error: unknown) => void, startedAt = 0): (error?: unknown) => void {
    const link: Link = { settled: false, ok: false, releases, startedAt };
    this.#links.push(link);
    return (error?: unknown) => {
      link.settled = true;
      link.ok = error === undefined;
      if (link.ok) this.#committed();
      else if (!this.#failed) {
        this.#failed = true;
        onFailure(error);
      }
      this.#flush();
    };
  }

  /** Resolves when everything in flight has settled. */
  settled(): Promise<void> {
    if (this.#links.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** After a failure has settled: start afresh for the reloaded proxy. */
  reset(): void {
    this.#failed = false;
  }

  #flush(): void {
    let ready: readonly Release[] | null = null;
    while (this.#links.length > 0 && (this.#links[0] as Link).settled) {
      const link = this.#links.shift() as Link;
      // After a failure nothing is released: later commits built on the failed one's state.
      if (this.#failed) continue;
      ready = ready === null ? link.releases : [...ready, ...link.releases];
      if (link.startedAt > 0) this.#answered(link.startedAt);
    }
    // Commits that leave together send one blob per session (blob-release.ts).
    if (ready) for (const { session, bytes } of coalesced(ready)) this.#send(session, bytes);
    if (this.#links.length === 0) for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
