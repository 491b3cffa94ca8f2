import type { ProxyWrite, Store, StoredProxy, WriteOutcome } from '../../broker/index.js';

/**
 * How a commit fails: `before` writing anything (the disk refused), or `after` the write landed
 * (the confirmation was lost: an ambiguous commit, the harder case for rule 9).
 */
export type FailMode = 'before' | 'after';

export interface StoreStats {
  /** Commits (store transactions) that succeeded. */
  commits: number;
  /** Proxy writes those commits carried (a group commit carries several). */
  writes: number;
  /** Commits that failed on command. */
  failures: number;
  loads: number;
  /** Loads that failed on command. */
  loadFailures: number;
}

/** A real store that fails on command (DESIGN §12: store write failure). */
export interface FailingStore extends Store {
  /** Commits fail in this way from now on (the next `times` of them, if given); null heals. */
  failCommits(mode: FailMode | null, times?: number): void;
  /** Loads fail too while on (the store is down, not only full). */
  failLoads(on: boolean): void;
  readonly stats: Readonly<StoreStats>;
  /** Resolves once `stats[key]` reaches `total` (counted since the store was created). */
  reached(key: keyof StoreStats, total: number): Promise<void>;
}

export function failingStore(inner: Store): FailingStore {
  const stats: StoreStats = { commits: 0, writes: 0, failures: 0, loads: 0, loadFailures: 0 };
  let mode: FailMode | null = null;
  let left = Infinity;
  let loadsFail = false;
  const waiters: { key: keyof StoreStats; total: number; resolve: () => void }[] = [];
  const count = (key: keyof StoreStats, n = 1): void => {
    stats[key] += n;
    for (const waiter of [...waiters]) {
      if (waiter.key !== key || stats[key] < waiter.total) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  /** The mode for this commit, consuming one of the `times` failures. */
  const take = (): FailMode | null => {
    const now = mode;
    if (now && --left <= 0) mode = null;
    return now;
  };
  return {
    get url() {
      return `failing+${inner.url}`;
    },
    stats,
    failCommits(next, times = Infinity) {
      mode = next;
      left = times;
    },
    failLoads(on) {
      loadsFail = on;
    },
    reached: (key, total) =>
      stats[key] >= total ? Promise.resolve() : new Promise((resolve) => waiters.push({ key, total, resolve })),
    async load(key: string): Promise<StoredProxy | undefined> {
      if (loadsFail) {
        count('loadFailures');
        throw new Error('injected load failure');
      }
      count('loads');
      return inner.load(key);
    },
    async commit(writes: readonly ProxyWrite[]): Promise<WriteOutcome[]> {
      const failure = take();
      if (failure === 'before') {
        count('failures');
        throw new Error('injected commit failure (nothing written)');
      }
      const outcomes = await inner.commit(writes);
      if (failure === 'after') {
        count('failures');
        throw new Error('injected commit failure (written, confirmation lost)');
      }
      count('commits');
      count('writes', writes.length);
      return outcomes;
    },
    list: (prefix) => inner.list(prefix),
    listWaking: (time) => inner.listWaking(time),
    remove: (key, expectVersion) => inner.remove(key, expectVersion),
    close: () => inner.close(),
  };
}
