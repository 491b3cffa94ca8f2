/** Bytes for one session, to publish once the commits they depend on are durable. */
export interface Release {
  session: string;
  bytes: Uint8Array;
}

/**
 * The output gate (DESIGN §4 rule 7): nothing leaves a proxy before the store confirms every
 * commit it may depend on. Commits are pipelined — the proxy runs its next message while a commit
 * is in flight, so one proxy's consecutive commits can share a group commit — and outputs leave
 * strictly in order. After a failed commit nothing more is released until `reset`.
 */
export class OutputGate {
  readonly #publish: (release: Release) => void;
  /** Links in the chain not yet settled (commits and releases waiting behind them). */
  #queued = 0;
  #tail: Promise<boolean> = Promise.resolve(true);
  #failed = false;

  constructor(publish: (release: Release) => void) {
    this.#publish = publish;
  }

  /** Nothing in flight: outputs leave at once. */
  get clear(): boolean {
    return this.#queued === 0;
  }

  /** A commit failed: the proxy must wait for `settled`, then `reset` and reload. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Releases after every earlier commit succeeded; at once when nothing is in flight. */
  release(releases: readonly Release[]): void {
    if (releases.length === 0) return;
    if (this.#queued === 0 && !this.#failed) {
      for (const release of releases) this.#publish(release);
      return;
    }
    this.#link(Promise.resolve(true), releases);
  }

  /** Releases the commit's outputs once `durable` resolves and every earlier commit succeeded. */
  commit(durable: Promise<void>, releases: readonly Release[], onFailure: (error: unknown) => void): void {
    this.#link(
      durable.then(
        () => true,
        (error: unknown) => {
          this.#failed = true;
          onFailure(error);
          return false;
        },
      ),
      releases,
    );
  }

  /** Resolves when everything in flight has settled. */
  async settled(): Promise<void> {
    await this.#tail;
  }

  /** After a failure has settled: start a fresh chain for the reloaded proxy. */
  reset(): void {
    this.#tail = Promise.resolve(true);
    this.#failed = false;
  }

  #link(outcome: Promise<boolean>, releases: readonly Release[]): void {
    this.#queued++;
    const previous = this.#tail;
    this.#tail = Promise.all([previous, outcome]).then(([before, ok]) => {
      this.#queued--;
      if (!before || !ok) return false;
      for (const release of releases) this.#publish(release);
      return true;
    });
  }
}
