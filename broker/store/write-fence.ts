import type { ProxyWrite, WriteOutcome } from './types.js';

/**
 * DESIGN §6: once a write of a key conflicts or fails, every later write of that key fails
 * unapplied until the key is loaded again. A proxy pipelines its writes: its second write expects
 * the version its first would have made, and after the first lost the version check, another
 * writer may have made exactly that version; without the fence the second write would pass the
 * check on top of a record it never saw. The backends keep one fence each (memory-store.ts,
 * sqlite-store.ts); the store contract suite checks it on every backend.
 */
export class WriteFence {
  readonly #keys = new Set<string>();

  get size(): number {
    return this.#keys.size;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Writes of `key` fail from now on, until `lift(key)`. */
  raise(key: string): void {
    this.#keys.add(key);
  }

  /** The key was loaded: its writer holds the store's copy again. */
  lift(key: string): void {
    this.#keys.delete(key);
  }

  /**
   * Applies a batch in order with `apply`: a fenced key, or one whose earlier write in this
   * batch conflicted, conflicts without `apply`; each conflict raises the fence of its key.
   */
  apply(writes: readonly ProxyWrite[], apply: (write: ProxyWrite) => WriteOutcome): WriteOutcome[] {
    return writes.map((write) => {
      if (this.#keys.has(write.key)) return 'conflict';
      const outcome = apply(write);
      if (outcome === 'conflict') this.#keys.add(write.key);
      return outcome;
    });
  }

  /**
   * The fence of a backend whose commit runs elsewhere (a worker thread, a server): writes of
   * fenced keys are answered 'conflict' without being sent, the others go to `commit`; each
   * conflict raises its key's fence, and a commit that fails raises the fence of every key it
   * carried (it may or may not have landed). `commit` fences within its batch (applyInOrder).
   */
  async commitThrough(writes: readonly ProxyWrite[], commit: (writes: readonly ProxyWrite[]) => Promise<WriteOutcome[]>): Promise<WriteOutcome[]> {
    if (this.#keys.size === 0) return this.#sent(writes, commit);
    const held = writes.map((write) => this.#keys.has(write.key));
    const sent = writes.filter((_, i) => !held[i]);
    const outcomes = sent.length > 0 ? await this.#sent(sent, commit) : [];
    let next = 0;
    return held.map((fenced) => (fenced ? 'conflict' : (outcomes[next++] ?? 'conflict')));
  }

  async #sent(writes: readonly ProxyWrite[], commit: (writes: readonly ProxyWrite[]) => Promise<WriteOutcome[]>): Promise<WriteOutcome[]> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await commit(writes);
    } catch (error) {
      for (const write of writes) this.#keys.add(write.key);
      throw error;
    }
    for (const [i, outcome] of outcomes.entries()) if (outcome === 'conflict') this.#keys.add((writes[i] as ProxyWrite).key);
    return outcomes;
  }
}

/**
 * A batch applied in order, where a write of a key that conflicted earlier in the same batch
 * conflicts without being applied (the in-transaction half of the fence, for a backend that
 * applies a batch away from its WriteFence, as the SQLite worker does).
 */
export function applyInOrder(writes: readonly ProxyWrite[], apply: (write: ProxyWrite) => WriteOutcome): WriteOutcome[] {
  // Allocated only once something conflicts: the common batch pays one comparison per write.
  let conflicted: Set<string> | null = null;
  return writes.map((write) => {
    if (conflicted?.has(write.key)) return 'conflict';
    const outcome = apply(write);
    if (outcome === 'conflict') (conflicted ??= new Set()).add(write.key);
    return outcome;
  });
}
