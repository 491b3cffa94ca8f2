import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { openStore } from '../../../../broker/store/open-store.js';
import { createSqliteStore, sqlitePathFromUrl } from '../../../../broker/store/sqlite/sqlite-store.js';
import { DEFAULT_STORE_PATH } from '../../../../shared/defaults.js';
import { runStoreContract } from '../../../../broker/testing.js';
import { it, test } from '../../../helpers/fixtures.js';

const makeDir = () => mkdtemp(join(tmpdir(), 'stead-sqlite-'));

runStoreContract('sqlite', async () => {
  const dir = await makeDir();
  const store = await createSqliteStore(join(dir, 'stead.db'));
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});

describe('sqlite store', () => {
  let dir: string;
  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });

  it('keeps commits across close and reopen, and continues their versions', async () => {
    const path = join(dir, 'stead.db');
    const first = await createSqliteStore(path);
    await first.commit([{ key: 'app/a', expectVersion: 0, record: Uint8Array.of(7, 8), wakeAt: 100 }]);
    await first.close();
    const second = await createSqliteStore(path);
    expect(await second.load('app/a')).toEqual({ version: 1, record: Uint8Array.of(7, 8) });
    expect(await second.listWaking(100)).toEqual(['app/a']);
    expect(await second.commit([{ key: 'app/a', expectVersion: 1, record: Uint8Array.of(9), wakeAt: null }])).toEqual(['committed']);
    await second.close();
  });

  it('keeps a reported commit when its process is killed with SIGKILL', async () => {
    const path = join(dir, 'stead.db');
    const script = fileURLToPath(new URL('../../../helpers/sqlite-commit-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let output = '';
    for await (const chunk of child.stdout) {
      output += String(chunk);
      if (output.includes('\n')) break;
    }
    child.kill('SIGKILL');
    const [exitCode, signal] = await exited;
    expect(output).toBe('committed\n');
    expect([exitCode, signal]).toEqual([null, 'SIGKILL']);
    const store = await createSqliteStore(path);
    expect(await store.list('killed/')).toHaveLength(50);
    expect(await store.load('killed/49')).toEqual({ version: 1, record: Uint8Array.of(49, 42) });
    await store.close();
  });

  it('creates missing parent directories', async () => {
    const store = await createSqliteStore(join(dir, 'a', 'b', 'stead.db'));
    expect(await store.commit([{ key: 'app/a', expectVersion: 0, record: Uint8Array.of(1), wakeAt: null }])).toEqual(['committed']);
    await store.close();
  });

  it('rejects calls after close with STEAD_E_CLOSED', async () => {
    const store = await createSqliteStore(join(dir, 'stead.db'));
    await store.close();
    await expect(store.load('app/a')).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
    await expect(store.commit([])).rejects.toMatchObject({ code: 'STEAD_E_CLOSED' });
  });

  it('fails to open a file that is not a database with STEAD_E_STORE_FAILURE', async () => {
    const path = join(dir, 'garbage.db');
    await writeFile(path, 'this is not a SQLite database, just some text that is long enough'.repeat(20));
    await expect(createSqliteStore(path)).rejects.toMatchObject({ code: 'STEAD_E_STORE_FAILURE' });
  });

  it('is opened by URL through openStore', async () => {
    const store = await openStore(`sqlite:${join(dir, 'by-url.db')}`);
    expect(store.url).toBe(`sqlite:${join(dir, 'by-url.db')}`);
    expect(await store.commit([{ key: 'app/a', expectVersion: 0, record: Uint8Array.of(1), wakeAt: null }])).toEqual(['committed']);
    await store.close();
  });

  it.each([
    ['sqlite:./data/stead.db', './data/stead.db'],
    ['sqlite:/abs/path.db', '/abs/path.db'],
    ['sqlite:relative.db', 'relative.db'],
    ['sqlite:///abs/path.db', '/abs/path.db'],
    ['sqlite:', DEFAULT_STORE_PATH],
  ])('reads the path of %s', (url, path) => {
    expect(sqlitePathFromUrl(url)).toBe(path);
  });
});
