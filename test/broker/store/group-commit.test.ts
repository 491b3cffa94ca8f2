import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../../broker/store/group-commit.js';
import { createMemoryStore } from '../../../broker/store/memory/memory-store.js';
import { createSqliteStore } from '../../../broker/store/sqlite/sqlite-store.js';
import type { ProxyWrite, Store } from '../../../broker/store/types.js';

interface Backend {
  store: Store;
  cleanup(): Promise<void>;
}

const backends: [string, () => Promise<Backend>][] = [
  ['memory', async () => {
    const store = createMemoryStore();
    return { store, cleanup: () => store.close() };
  }],
  ['sqlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stead-group-'));
    const store = await createSqliteStore(join(dir, 'stead.db'));
    return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
  }],
];

const write = (key: string, expectVersion = 0): ProxyWrite => ({ key, expectVersion, record: Uint8Array.of(1), wakeAt: null });

/** Wraps a store so a test can make commits fail, hold them in flight, and see the batch sizes. */
function controlled(inner: Store) {
  let failing = false;
  let held: Promise<void> | undefined;
  let onCommit: (() => void) | undefined;
  const batchSizes: number[] = [];
  const store: Store = {
    url: inner.url,
    load: (key) => inner.load(key),
    list: (prefix) => inner.list(prefix),
    listWaking: (time) => inner.listWaking(time),
    remove: (key, expectVersion) => inner.remove(key, expectVersion),
    close: () => inner.close(),
    async commit(writes) {
      batchSizes.push(writes.length);
      onCommit?.();
      if (held) await held;
      if (failing) throw new Error('disk on fire');
      return inner.commit(writes);
    },
  };
  return {
    store,
    batchSizes,
    fail: (on: boolean) => void (failing = on),
    /** Holds every commit until the returned function is called. */
    hold(): () => void {
      let release = (): void => undefined;
      held = new Promise((resolve) => (release = resolve));
      return () => ((held = undefined), release());
    },
    nextCommit: () => new Promise<void>((resolve) => (onCommit = resolve)),
  };
}

describe.each(backends)('GroupCommitter on the %s store', (_name, makeBackend) => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await makeBackend();
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  it('shares batches between writes issued at once', async () => {
    const committer = new GroupCommitter(backend.store);
    await Promise.all(Array.from({ length: 200 }, (_, i) => committer.write(write(`app/p${i}`))));
    expect(committer.stats.writes).toBe(200);
    expect(committer.stats.batches).toBeLessThan(committer.stats.writes);
    expect(await backend.store.list('app/')).toHaveLength(200);
    expect((await backend.store.load('app/p199'))?.version).toBe(1);
  });

  it('splits a queue longer than maxBatch', async () => {
    const committer = new GroupCommitter(backend.store, { maxBatch: 50 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => committer.write(write(`app/p${i}`))));
    expect(committer.stats).toMatchObject({ batches: 4, writes: 200 });
  });

  it('puts writes that arrive during a commit into the next batch', async () => {
    const control = controlled(backend.store);
    const committer = new GroupCommitter(control.store);
    const release = control.hold();
    const started = control.nextCommit();
    const first = committer.write(write('app/a'));
    await started;
    const later = [committer.write(write('app/b')), committer.write(write('app/c'))];
    release();
    await Promise.all([first, ...later]);
    expect(control.batchSizes).toEqual([1, 2]);
  });

  it('rejects a conflicting write with STEAD_E_VERSION_CONFLICT, and the writes of its key after it, and commits the rest', async () => {
    const committer = new GroupCommitter(backend.store);
    await committer.write(write('app/a'));
    const stale = committer.write(write('app/a', 0));
    const fresh = committer.write(write('app/b'));
    // Made on top of the stale write (write-fence.ts): refused although version 1 is stored.
    const next = committer.write(write('app/a', 1));
    await expect(stale).rejects.toMatchObject({ code: 'STEAD_E_VERSION_CONFLICT' });
    await expect(fresh).resolves.toBeUndefined();
    await expect(next).rejects.toMatchObject({ code: 'STEAD_E_VERSION_CONFLICT' });
    expect((await backend.store.load('app/a'))?.version).toBe(1);
    await expect(committer.write(write('app/a', 1))).resolves.toBeUndefined();
  });

  it('rejects every write of a failed batch with STEAD_E_STORE_FAILURE, then recovers', async () => {
    const control = controlled(backend.store);
    const committer = new GroupCommitter(control.store);
    control.fail(true);
    const results = await Promise.allSettled([committer.write(write('app/a')), committer.write(write('app/b'))]);
    expect(results.map((result) => result.status === 'rejected' && (result.reason as { code?: unknown }).code)).toEqual([
      'STEAD_E_STORE_FAILURE',
      'STEAD_E_STORE_FAILURE',
    ]);
    expect(await backend.store.list()).toEqual([]);
    control.fail(false);
    await committer.write(write('app/a'));
    expect((await backend.store.load('app/a'))?.version).toBe(1);
  });

  it('rejects writes to a closed store with STEAD_E_STORE_FAILURE', async () => {
    const committer = new GroupCommitter(backend.store);
    await backend.store.close();
    await expect(committer.write(write('app/a'))).rejects.toMatchObject({ code: 'STEAD_E_STORE_FAILURE' });
  });
});
