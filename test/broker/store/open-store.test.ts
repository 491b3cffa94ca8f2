import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { createMemoryStore, openStore, registerStore, type StoreContext, type StoreOptions } from '../../../broker/index.js';
import { it, test } from '../../helpers/fixtures.js';

/** Stores by URL and by name (DESIGN §6, issue 7): what openStore hands a factory, and what ours accept. */
describe('openStore', () => {
  let dir: string;
  test.beforeEach(({ tempDir }) => {
    dir = tempDir;
  });

  it('hands a registered factory the URL as written, the options, the base folder and the role', async () => {
    const seen: [string, StoreOptions, StoreContext][] = [];
    registerStore('Seen', (url, options, context) => (seen.push([url, options, context]), createMemoryStore()));
    const store = await openStore('seen:./here?x=1', { options: { depth: 3 }, baseDir: dir });
    await store.close();
    expect(seen).toEqual([['seen:./here?x=1', { depth: 3 }, { baseDir: dir, role: 'owner' }]]);
    await (await openStore('SEEN:', { role: 'registry' })).close();
    expect(seen[1]?.slice(1)).toEqual([{}, { baseDir: process.cwd(), role: 'registry' }]);
  });

  it.each(['', '1abc', 'a b', 'x:y'])('refuses to register the scheme %j (BAD_OPTIONS)', (scheme) => {
    expect(() => registerStore(scheme, () => createMemoryStore())).toThrow(expect.objectContaining({ code: 'STEAD_E_BAD_OPTIONS' }));
  });

  it('refuses a URL of no registered scheme (BAD_OPTIONS)', async () => {
    await expect(openStore('nowhere:x')).rejects.toMatchObject({ code: 'STEAD_E_BAD_OPTIONS' });
  });

  it('opens a relative sqlite: path in the base folder', async () => {
    const store = await openStore('sqlite:./db/stead.db', { baseDir: dir });
    expect(store.url).toBe(`sqlite:${join(dir, 'db/stead.db')}`);
    await store.close();
  });

  it('opens sqlite: with its worker option', async () => {
    const store = await openStore(`sqlite:${join(dir, 'a.db')}`, { options: { worker: false } });
    expect(await store.commit([{ key: 'app/a', expectVersion: 0, record: Uint8Array.of(1), wakeAt: null }])).toEqual(['committed']);
    await store.close();
  });

  it.each<[string, StoreOptions, string]>([
    ['memory:', { worker: false }, 'store.options.worker'],
    ['sqlite:', { colour: 'red' }, 'store.options.colour'],
    ['sqlite:', { worker: 'no' }, 'store.options.worker'],
  ])('refuses %s with options %j: BAD_CONFIG naming the option', async (url, options, field) => {
    const target = url === 'sqlite:' ? `sqlite:${join(dir, 'b.db')}` : url;
    await expect(openStore(target, { options })).rejects.toMatchObject({ code: 'STEAD_E_BAD_CONFIG', data: { fields: [field] } });
  });
});
