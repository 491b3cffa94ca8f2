import { SteadError } from '../../shared/errors.js';
import type { ProxyWrite, Store } from './types.js';

export interface GroupCommitOptions {
  /** Most writes in one store transaction. */
  maxBatch?: number;
}

export interface GroupCommitStats {
  batches: number;
  writes: number;
}

/**
 * Group commit (DESIGN §6): writes from concurrent proxies that arrive while a store commit is
 * in flight share the next transaction and its one sync. No timer is involved: the batch is
 * whatever queued up during the previous commit, so a lone write is never delayed.
 */
export class GroupCommitter {
  readonly #store: Store;
  readonly #maxBatch: number;
  #queue: { write: ProxyWrite; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #flushing = false;
  readonly stats: GroupCommitStats = { batches: 0, writes: 0 };

  constructor(store: Store, options: GroupCommitOptions = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 512;
  }

  /** Resolves once the write is durable; rejects with VERSION_CONFLICT or STORE_FAILURE. */
  write(write: ProxyWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.stats.batches++;
      this.stats.writes += batch.length;
      try {
        const outcomes = await this.#store.commit(batch.map((entry) => entry.write));
        batch.forEach((entry, i) => {
          const outcome = outcomes[i];
          if (outcome === 'committed') entry.resolve();
          else if (outcome === 'conflict') entry.reject(new SteadError('VERSION_CONFLICT', `${entry.write.key} changed in the store since it was read`));
          else entry.reject(new SteadError('STORE_FAILURE', `store gave no outcome for ${entry.write.key}`));
        });
      } catch (cause) {
        const error = new SteadError('STORE_FAILURE', 'store commit failed', { cause });
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#flushing = false;
  }
}
