import { SteadError } from '../../shared/errors.js';
import type { ProxyWrite, Store, WriteOutcome } from './types.js';

export interface GroupCommitOptions {
  /** Most writes in one store transaction. */
  maxBatch?: number;
  /** Told after each store transaction: its writes and how long it took, in seconds (metrics). */
  onBatch?: (writes: number, seconds: number) => void;
}

export interface GroupCommitStats {
  batches: number;
  writes: number;
  /** When the last store transaction succeeded, and failed (ms since the epoch; 0 if never): health. */
  lastSuccessAt: number;
  lastFailureAt: number;
}

/**
 * Group commit (DESIGN §6): writes from concurrent proxies that arrive while a store commit is
 * in flight share the next transaction and its one sync. No timer is involved: the batch is
 * whatever queued up during the previous commit, so a lone write is never delayed.
 */
export class GroupCommitter {
  readonly #store: Store;
  readonly #maxBatch: number;
  readonly #onBatch: ((writes: number, seconds: number) => void) | null;
  #queue: QueuedWrite[] = [];
  #flushing = false;
  readonly stats: GroupCommitStats = { batches: 0, writes: 0, lastSuccessAt: 0, lastFailureAt: 0 };

  constructor(store: Store, options: GroupCommitOptions = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#onBatch = options.onBatch ?? null;
  }

  /** Resolves once the write is durable; rejects with VERSION_CONFLICT or STORE_FAILURE. */
  write(write: ProxyWrite): Promise<void> {
    return new Promise((resolve, reject) => this.submit(write, (error) => (error ? reject(error) : resolve())));
  }

  /** Hot path: `done()` once the write is durable, `done(error)` with VERSION_CONFLICT or STORE_FAILURE. */
  submit(write: ProxyWrite, done: (error?: SteadError) => void): void {
    this.#queue.push({ write, done });
    if (!this.#flushing) {
      this.#flushing = true;
      // A store that does I/O waits for the end of this turn, gathering every proxy's write.
      if (this.#store.inline) queueMicrotask(() => void this.#flush());
      else setImmediate(() => void this.#flush());
    }
  }

  /** Writes waiting for or inside a store transaction. */
  get pending(): number {
    return this.#queue.length;
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.stats.batches++;
      this.stats.writes += batch.length;
      let outcomes: readonly WriteOutcome[] = [];
      let failure: SteadError | null = null;
      const started = performance.now();
      try {
        outcomes = await this.#store.commit(batch.map((entry) => entry.write));
        this.stats.lastSuccessAt = Date.now();
      } catch (cause) {
        failure = new SteadError('STORE_FAILURE', 'store commit failed', { cause });
        this.stats.lastFailureAt = Date.now();
      }
      this.#onBatch?.(batch.length, (performance.now() - started) / 1000);
      // Taken out before anyone is told: a write submitted from a `done` below is not among them.
      const fenced = this.#fenceQueued(batch, outcomes, failure);
      for (const [i, entry] of batch.entries()) entry.done(failure ?? outcomeError(entry.write.key, outcomes[i]));
      for (const entry of fenced) entry.done(fencedError(entry.write.key, failure));
    }
    this.#flushing = false;
  }

  /**
   * DESIGN §6: every queued write of a key whose write in this batch conflicted or failed was
   * made before its proxy learned of it, on a record the store refused: it fails without being
   * sent. The store itself fences writes that come later, until the proxy reloads (write-fence.ts).
   */
  #fenceQueued(batch: readonly QueuedWrite[], outcomes: readonly WriteOutcome[], failure: SteadError | null): QueuedWrite[] {
    if (this.#queue.length === 0) return [];
    let failed: Set<string> | null = null;
    for (const [i, entry] of batch.entries()) if (failure || outcomes[i] !== 'committed') (failed ??= new Set()).add(entry.write.key);
    if (!failed) return [];
    const keys = failed;
    const fenced = this.#queue.filter((entry) => keys.has(entry.write.key));
    if (fenced.length > 0) this.#queue = this.#queue.filter((entry) => !keys.has(entry.write.key));
    return fenced;
  }
}

interface QueuedWrite {
  write: ProxyWrite;
  done: (error?: SteadError) => void;
}

function fencedError(key: string, failure: SteadError | null): SteadError {
  const message = `an earlier write of ${key} ${failure ? 'failed' : 'lost the version check'}; this one, made on top of it, was not sent`;
  return new SteadError(failure ? 'STORE_FAILURE' : 'VERSION_CONFLICT', message);
}

function outcomeError(key: string, outcome: WriteOutcome | undefined): SteadError | undefined {
  if (outcome === 'committed') return undefined;
  if (outcome === 'conflict') return new SteadError('VERSION_CONFLICT', `${key} changed in the store since it was read`);
  return new SteadError('STORE_FAILURE', `store gave no outcome for ${key}`);
}
