import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../../broker/store/open-store.js';
import { createSqliteStore } from '../../../../broker/store/sqlite/sqlite-store.js';
import type { Store } from '../../../../broker/store/types.js';
import { spawnScript } from '../../../helpers/processes.js';

const CHILD = fileURLToPath(new URL('../../../helpers/sqlite-commit-child.ts', import.meta.url));

/** DESIGN §6: one broker per store file; the tools that edit the registry beside it take no ownership. */
describe('the SQLite store owner lock', () => {
  let dir: string;
  let path: string;
  const open: Store[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stead-owner-'));
    path = join(dir, 'stead.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const owner = async (): Promise<Store> => {
    const store = await createSqliteStore(path);
    open.push(store);
    return store;
  };

  it('refuses a second owner with STORE_OWNED naming the file and the holder, while the first serves on', async () => {
    const first = await owner();
    await expect(createSqliteStore(path)).rejects.toMatchObject({ code: 'STEAD_E_STORE_OWNED', data: { file: path, pid: process.pid } });
    await expect(openStore(`sqlite:${path}`)).rejects.toMatchObject({ code: 'STEAD_E_STORE_OWNED' });
    expect(await first.commit([{ key: 'app/a', expectVersion: 0, record: Uint8Array.of(1), wakeAt: null }])).toEqual(['committed']);
    expect(await first.load('app/a')).toMatchObject({ version: 1 });
  });

  it('is one lock for every path to the file: a symlink to it, or to its folder', async () => {
    await owner();
    await symlink(path, join(dir, 'alias.db'));
    await mkdir(join(dir, 'elsewhere'));
    await symlink(dir, join(dir, 'elsewhere', 'link'));
    await expect(createSqliteStore(join(dir, 'alias.db'))).rejects.toMatchObject({ code: 'STEAD_E_STORE_OWNED' });
    await expect(createSqliteStore(join(dir, 'elsewhere', 'link', 'stead.db'))).rejects.toMatchObject({ code: 'STEAD_E_STORE_OWNED' });
  });

  it('is released by close: the next owner opens the same file', async () => {
    const first = await owner();
    await first.commit([{ key: 'app/a', expectVersion: 0, record: Uint8Array.of(1), wakeAt: null }]);
    await first.close();
    const second = await owner();
    expect(await second.load('app/a')).toMatchObject({ version: 1 });
  });

  it('is held by a process until it dies (kill -9), then taken at once', async () => {
    const child = spawnScript(CHILD, [path, '1']);
    await child.line((line) => line.startsWith('committed'));
    await expect(createSqliteStore(path)).rejects.toMatchObject({ code: 'STEAD_E_STORE_OWNED', data: { pid: child.child.pid } });
    await child.kill();
    const store = await owner();
    expect(await store.load('killed/0')).toMatchObject({ version: 1 });
  });

  it('lets the registry role open beside the owner, and both see each other’s writes', async () => {
    const first = await owner();
    const registry = await openStore(`sqlite:${path}`, { role: 'registry' });
    open.push(registry);
    expect(await registry.commit([{ key: '$registry', expectVersion: 0, record: Uint8Array.of(7), wakeAt: null }])).toEqual(['committed']);
    expect(await first.load('$registry')).toMatchObject({ version: 1 });
  });
});
