/** Buckets of a table: a change copies the bucket list and one bucket, not every session. */
const BUCKETS = 32;


/**
 * A proxy's sessions as a value (DESIGN §4: the record is never changed in place). `with` returns
 * a new table that shares every bucket but the one it changes, so a proxy with a thousand
 * sessions does not copy them all on each call. Iteration is bucket by bucket, in insertion
 * order within a bucket: stable for a given history.
 */
export class SessionTable<S> implements ReadonlyMap<string, S> {
  static #empty = new SessionTable<never>(new Array<undefined>(BUCKETS).fill(undefined), 0);

  /** The table with no sessions (one, shared). */
  static empty<S>(): SessionTable<S> {
    return SessionTable.#empty;
  }

  readonly #buckets: readonly (ReadonlyMap<string, S> | undefined)[];
  readonly size: number;

  private constructor(buckets: readonly (ReadonlyMap<string, S> | undefined)[], size: number) {
    this.#buckets = buckets;
    this.size = size;
  }

  static from<S>(entries: Iterable<readonly [string, S]>): SessionTable<S> {
    const buckets = new Array<Map<string, S> | undefined>(BUCKETS).fill(undefined);
    let size = 0;
    for (const [name, session] of entries) {
      const bucket = (buckets[bucketOf(name)] ??= new Map());
      if (!bucket.has(name)) size++;
      bucket.set(name, session);
    }
    return new SessionTable(buckets, size);
  }

  /** The table with `name` set to `session` (added or replaced). */
  with(name: string, session: S): SessionTable<S> {
    const index = bucketOf(name);
    const old = this.#buckets[index];
    const bucket = new Map(old);
    bucket.set(name, session);
    const buckets = [...this.#buckets];
    buckets[index] = bucket;
    return new SessionTable<S>(buckets, this.size + (old?.has(name) ? 0 : 1));
  }

  /** The table without `name` (the same table when it was not there). */
  without(name: string): SessionTable<S> {
    const index = bucketOf(name);
    const old = this.#buckets[index];
    if (!old?.has(name)) return this;
    const bucket = new Map(old);
    bucket.delete(name);
    const buckets = [...this.#buckets];
    buckets[index] = bucket.size > 0 ? bucket : undefined;
    return new SessionTable<S>(buckets, this.size - 1);
  }

  /**
   * Names whose session differs between `earlier` and this table (changed, added or removed).
   * Buckets both tables share are skipped, so a commit that changed one session looks at one.
   */
  changedSince(earlier: SessionTable<S>): string[] {
    const names: string[] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const now = this.#buckets[i];
      const before = earlier.#buckets[i];
      if (now === before) continue;
      if (now) for (const [name, session] of now) if (before?.get(name) !== session) names.push(name);
      if (before) for (const name of before.keys()) if (!now?.has(name)) names.push(name);
    }
    return names;
  }

  /**
   * The sum of `measure` over every session, with each bucket's sum kept in `cache` (one cache
   * per measure): buckets are never changed once made, so a table that shares all but one bucket
   * with a table measured before measures one bucket.
   */
  sum(measure: (name: string, session: S) => number, cache: WeakMap<object, number>): number {
    let total = 0;
    for (const bucket of this.#buckets) {
      if (!bucket) continue;
      let sum = cache.get(bucket);
      if (sum === undefined) {
        sum = 0;
        for (const [name, session] of bucket) sum += measure(name, session);
        cache.set(bucket, sum);
      }
      total += sum;
    }
    return total;
  }

  get(name: string): S | undefined {
    return this.#buckets[bucketOf(name)]?.get(name);
  }

  has(name: string): boolean {
    return this.#buckets[bucketOf(name)]?.has(name) ?? false;
  }

  *entries(): MapIterator<[string, S]> {
    for (const bucket of this.#buckets) if (bucket) yield* bucket;
  }

  *keys(): MapIterator<string> {
    for (const bucket of this.#buckets) if (bucket) yield* bucket.keys();
  }

  *values(): MapIterator<S> {
    for (const bucket of this.#buckets) if (bucket) yield* bucket.values();
  }

  [Symbol.iterator](): MapIterator<[string, S]> {
    return this.entries();
  }

  forEach(callback: (value: S, key: string, map: ReadonlyMap<string, S>) => void): void {
    for (const [name, session] of this.entries()) callback(session, name, this);
  }
}

/** FNV-1a over the name's UTF-16 units, folded into a bucket index. */
function bucketOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}
