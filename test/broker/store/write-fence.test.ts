import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../../broker/store/group-commit.js';
import { createMemoryStore } from '../../../broker/store/memory/memory-store.js';
import { createSqliteStore } from '../../../broker/store/sqlite/sqlite-store.js';
import type { ProxyWrite, Store, WriteOutcome } from '../../../broker/store/types.js';

/** A counter proxy's record as a writer keeps it: how many increments, and which, in order. */
interface Counter {
  count: number;
  log: string[];
}

const KEY = 'counter/c';
const encode = (counter: Counter): Uint8Array => new TextEncoder().encode(JSON.stringify(counter));
const decode = (bytes: Uint8Array | undefined): Counter => (bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as Counter) : { count: 0, log: [] });
const write = (expectVersion: number, counter: Counter): ProxyWrite => ({ key: KEY, expectVersion, record: encode(counter), wakeAt: null });

/**
 * A writer as a proxy is one: it loads, then pipelines its increments (each write expects the
 * version the one before it would make) without waiting for the store, and an increment counts
 * as acknowledged once its write is confirmed. After a refused write it reloads (rule 9).
 */
class Writer {
  readonly acknowledged: string[] = [];
  #counter: Counter = { count: 0, log: [] };
  #version = 0;

  constructor(
    readonly store: Store,
    readonly committer: GroupCommitter,
  ) {}

  async load(): Promise<void> {
    const stored = await this.store.load(KEY);
    this.#counter = decode(stored?.record);
    this.#version = stored?.version ?? 0;
  }

  /** Submits the increment and returns its confirmation, without waiting for it. */
  increment(name: string): Promise<boolean> {
    this.#counter = { count: this.#counter.count + 1, log: [...this.#counter.log, name] };
    const confirmed = this.committer.write(write(this.#version++, this.#counter)).then(
      () => (this.acknowledged.push(name), true),
      () => false,
    );
    return confirmed;
  }
}

async function stored(store: Store): Promise<Counter> {
  return decode((await store.load(KEY))?.record);
}

/**
 * DESIGN §6, the write fence: once a write of a key is refused, every later write of that key is
 * refused unapplied until the key is loaded. Two brokers on one file (the owner lock keeps them
 * out, but the contract must hold without it) interleaved `a1, bX, bY, a2`: B's first write lost
 * the version check, its pipelined second one expected exactly the version A's `a1` had made
 * and passed, and `a1`, acknowledged, was gone.
 */
describe('two writers of one key on one SQLite file', () => {
  let dir: string;
  let stores: Store[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-fence-'));
    const path = join(dir, 'stead.db');
    // The second opens beside the owner the way a tool does, taking no ownership.
    stores = [await createSqliteStore(path), await createSqliteStore(path, { owner: false, worker: false })];
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lose no acknowledged increment: a pipelined write made on a refused one is refused too', async () => {
    const [a, b] = stores.map((store) => new Writer(store, new GroupCommitter(store))) as [Writer, Writer];
    await a.store.commit([write(0, { count: 0, log: [] })]);
    await Promise.all([a.load(), b.load()]);

    expect(await a.increment('a1')).toBe(true);
    // B, still at the version before a1, pipelines two increments in one batch.
    const [bX, bY] = await Promise.all([b.increment('bX'), b.increment('bY')]);
    expect([bX, bY]).toEqual([false, false]);
    expect(await a.increment('a2')).toBe(true);

    // B reloads, as a proxy does after a refused write, and makes its increments again.
    await b.load();
    expect(await Promise.all([b.increment('bX'), b.increment('bY')])).toEqual([true, true]);

    const final = await stored(a.store);
    const acknowledged = [...a.acknowledged, ...b.acknowledged];
    expect(final.count).toBe(acknowledged.length);
    expect([...final.log].sort()).toEqual([...acknowledged].sort());
    expect(final.log).toEqual(['a1', 'a2', 'bX', 'bY']);
  });
});

/**
 * The store under a test's control: a commit can be held in flight (`hold`, `release`), made to
 * fail after it landed (the next `failures` commits: their confirmation is lost), and every batch
 * sent is counted.
 */
function controlled(inner: Store) {
  let gate: Promise<void> | null = null;
  let open = (): void => undefined;
  let started = (): void => undefined;
  const control = {
    batches: [] as number[],
    failures: 0,
    /** Holds the next commits; resolves once one of them has reached the store. */
    hold: (): Promise<void> => {
      gate = new Promise((resolve) => (open = () => ((gate = null), resolve())));
      return new Promise((resolve) => (started = resolve));
    },
    release: (): void => open(),
    store: {
      url: inner.url,
      load: (key) => inner.load(key),
      list: (prefix) => inner.list(prefix),
      listWaking: (time) => inner.listWaking(time),
      remove: (key, expectVersion) => inner.remove(key, expectVersion),
      close: () => inner.close(),
      async commit(writes): Promise<WriteOutcome[]> {
        control.batches.push(writes.length);
        started();
        if (gate) await gate;
        const outcomes = await inner.commit(writes);
        if (control.failures > 0 && control.failures--) throw new Error('disk on fire');
        return outcomes;
      },
    } satisfies Store,
  };
  return control;
}

const backends: [string, () => Promise<{ store: Store; cleanup(): Promise<void> }>][] = [
  ['memory', async () => {
    const store = createMemoryStore();
    return { store, cleanup: () => store.close() };
  }],
  ['sqlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stead-fence-'));
    const store = await createSqliteStore(join(dir, 'stead.db'));
    return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
  }],
];

describe.each(backends)('pipelined writes after a conflicting first write, on the %s store', (_name, makeBackend) => {
  let backend: Awaited<ReturnType<typeof makeBackend>>;
  beforeEach(async () => {
    backend = await makeBackend();
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  it('fail every write of the key queued behind it without sending them, until the key is loaded', async () => {
    const control = controlled(backend.store);
    const committer = new GroupCommitter(control.store);
    await backend.store.commit([write(0, { count: 0, log: [] })]);
    // Another writer moves the key to version 2; this one still believes version 1.
    await backend.store.commit([write(1, { count: 1, log: ['other'] })]);

    const inFlight = control.hold();
    const first = committer.write(write(1, { count: 1, log: ['mine'] }));
    await inFlight;
    // Queued while the first is in flight: later batches, each expecting the version the one before would make.
    const second = committer.write(write(2, { count: 2, log: ['mine', 'mine2'] }));
    const third = committer.write(write(3, { count: 3, log: ['mine', 'mine2', 'mine3'] }));
    control.release();
    await expect(first).rejects.toMatchObject({ code: 'STEAD_E_VERSION_CONFLICT' });
    await expect(second).rejects.toMatchObject({ code: 'STEAD_E_VERSION_CONFLICT' });
    await expect(third).rejects.toMatchObject({ code: 'STEAD_E_VERSION_CONFLICT' });
    expect(control.batches).toEqual([1]);

    // A write that reaches the store before the key is loaded is refused there.
    await expect(committer.write(write(2, { count: 2, log: ['other', 'late'] }))).rejects.toMatchObject({ code: 'STEAD_E_VERSION_CONFLICT' });
    expect(control.batches).toEqual([1, 1]);
    expect(await backend.store.load(KEY)).toMatchObject({ version: 2 });
    expect(await stored(backend.store)).toEqual({ count: 1, log: ['other'] });
    await committer.write(write(2, { count: 2, log: ['other', 'reloaded'] }));
    expect(await stored(backend.store)).toEqual({ count: 2, log: ['other', 'reloaded'] });
  });

  it('fail the queued writes of the keys of a failed commit, unsent, and no others', async () => {
    const control = controlled(backend.store);
    const committer = new GroupCommitter(control.store);
    control.failures = 1;
    const inFlight = control.hold();
    const first = committer.write(write(0, { count: 1, log: ['mine'] }));
    await inFlight;
    const onTop = committer.write(write(1, { count: 2, log: ['mine', 'on top'] }));
    const other = committer.write({ key: 'counter/other', expectVersion: 0, record: encode({ count: 1, log: [] }), wakeAt: null });
    control.release();
    await expect(first).rejects.toMatchObject({ code: 'STEAD_E_STORE_FAILURE' });
    await expect(onTop).rejects.toMatchObject({ code: 'STEAD_E_STORE_FAILURE' });
    await expect(other).resolves.toBeUndefined();
    expect(control.batches).toEqual([1, 1]);
  });
});
