import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../../../broker/store/sqlite/sqlite-store.js';
import type { ProxyWrite } from '../../../../broker/store/types.js';
import { runStoreContract } from '../../../../broker/testing.js';
import { it, test } from '../../../helpers/fixtures.js';

const makeDir = () => mkdtemp(join(tmpdir(), 'stead-sqlite-threads-'));
const write = (key: string, expectVersion = 0, record = Uint8Array.of(1)): ProxyWrite => ({ key, expectVersion, record, wakeAt: null });

/** A few turns of the event loop: long enough for a store answer that was not held back. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

// Both threads of the store serve the whole contract: with the worker started (lone writes and
// reads on the main thread, batches in the worker) and with no worker at all.
runStoreContract('sqlite, worker serving', async () => {
  const dir = await makeDir();
  const store = await createSqliteStore(join(dir, 'stead.db'));
  expect(await store.workerReady).toBe(true);
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});

runStoreContract('sqlite, main thread only', async () => {
  const dir = await makeDir();
  const store = await createSqliteStore(join(dir, 'stead.db'), { worker: false });
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});

describe('sqlite store threads', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore | undefined;
  let other: Database.Database | undefined;
  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
    path = join(dir, 'stead.db');
  });
  afterEach(async () => {
    other?.close();
    other = undefined;
    await store?.close();
    store = undefined;
  });

  it('commits a lone write on the main thread and a batch in the worker once it serves', async () => {
    store = await createSqliteStore(path);
    await store.workerReady;
    expect(await store.commit([write('app/a')])).toEqual(['committed']);
    expect(store.threads).toEqual({ main: 1, worker: 0 });
    expect(await store.commit([write('app/b'), write('app/c')])).toEqual(['committed', 'committed']);
    expect(store.threads).toEqual({ main: 1, worker: 1 });
  });

  it('serves everything on the main thread until its worker has started', async () => {
    store = await createSqliteStore(path);
    expect(await store.commit([write('app/a'), write('app/b')])).toEqual(['committed', 'committed']);
    expect(store.threads).toEqual({ main: 1, worker: 0 });
  });

  it('sends what comes while the worker is busy after it, in order', async () => {
    store = await createSqliteStore(path);
    await store.workerReady;
    const batch = store.commit([write('app/a'), write('app/b')]);
    const lone = store.commit([write('app/a', 1, Uint8Array.of(2))]);
    const loaded = store.load('app/a');
    expect(await batch).toEqual(['committed', 'committed']);
    expect(await lone).toEqual(['committed']);
    expect(await loaded).toEqual({ version: 2, record: Uint8Array.of(2) });
    expect(store.threads).toEqual({ main: 0, worker: 3 });
  });

  it('does not wait on the main thread for a lock another connection holds; the worker commits once it is free', async () => {
    store = await createSqliteStore(path);
    await store.workerReady;
    other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    let settled = false;
    const committed = store.commit([write('app/a')]).finally(() => (settled = true));
    await turns(20);
    expect(settled).toBe(false);
    other.exec('COMMIT');
    expect(await committed).toEqual(['committed']);
    expect(store.threads.worker).toBe(1);
  });

  it('keeps the order of operations that meet a lock before the worker has started', async () => {
    other = new Database(path);
    store = await createSqliteStore(path);
    other.exec('BEGIN IMMEDIATE');
    const committed = store.commit([write('app/a', 0, Uint8Array.of(7))]);
    const loaded = store.load('app/a');
    await turns(5);
    other.exec('COMMIT');
    expect(await committed).toEqual(['committed']);
    expect(await loaded).toEqual({ version: 1, record: Uint8Array.of(7) });
  });

  it('keeps a lone write committed on the main thread when its process is killed with SIGKILL', async () => {
    const script = fileURLToPath(new URL('../../../helpers/sqlite-commit-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path, '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let output = '';
    for await (const chunk of child.stdout) {
      output += String(chunk);
      if (output.includes('\n')) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(output).toBe('committed on main\n');
    store = await createSqliteStore(path);
    expect(await store.load('killed/0')).toEqual({ version: 1, record: Uint8Array.of(0, 42) });
  });
});
