import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import type * as Broker from '../../../broker/index.js';
import type * as OpenStore from '../../../broker/store/open-store.js';
import { runStoreContract } from '../../../broker/testing.js';
import { it } from '../../helpers/fixtures.js';

/**
 * Issue 7, "Stores by URL and by name": a backend a user wrote (test/helpers/user-store, plain
 * JavaScript importing `stead/broker` as a package) is named in stead.json, registered by its
 * module, selected by its URL, given its options, and passes the same contract suite as ours.
 * The test imports the package as built (`stead/broker`, dist/), as the user's module does: the
 * registry the module registers in is the one that opens the store.
 */
const PACKAGE = 'stead/broker';
const stead = (await import(PACKAGE)) as typeof Broker;
// Loading store modules is startBroker's step, not public: taken from the same built files.
const { loadStoreModules } = (await import(new URL('../../../dist/broker/store/open-store.js', import.meta.url).href)) as typeof OpenStore;
const MODULE = fileURLToPath(new URL('../../helpers/user-store/file-store.mjs', import.meta.url));

/** A config folder with a stead.json naming the user's module by a path relative to it. */
async function configFolder(store: Record<string, unknown>): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'stead-user-store-'));
  const file = join(dir, 'stead.json');
  await writeFile(file, JSON.stringify({ store: { modules: [relative(dir, MODULE)], ...store } }));
  return { dir, file };
}

/** What `startBroker` does with the file's store section: load its modules, open its URL. */
async function openFromConfig(file: string): Promise<Broker.Store> {
  const options = await stead.loadBrokerConfig(file);
  await loadStoreModules(options.storeModules ?? [], options.storeBaseDir);
  return stead.openStore(String(options.store), { options: options.storeOptions, baseDir: options.storeBaseDir });
}

runStoreContract('a user-registered file store selected from stead.json', async () => {
  const { dir, file } = await configFolder({ url: 'filestore:./data', options: { fsync: false } });
  const store = await openFromConfig(file);
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});

describe('a user-registered store from stead.json', () => {
  it('opens at a path relative to the config file\'s folder', async () => {
    const { dir, file } = await configFolder({ url: 'filestore:./data' });
    const store = await openFromConfig(file);
    expect(store.url).toBe(`filestore:${join(dir, 'data')}`);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is given the options of the file: one it does not know is a BAD_CONFIG naming it', async () => {
    const { dir, file } = await configFolder({ url: 'filestore:./data', options: { colour: 'red' } });
    await expect(openFromConfig(file)).rejects.toMatchObject({ code: 'STEAD_E_BAD_CONFIG', data: { fields: ['store.options.colour'] } });
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a store module that does not load with BAD_CONFIG', async ({ tempDir }) => {
    await expect(loadStoreModules(['./no-such-store.mjs'], tempDir)).rejects.toMatchObject({ code: 'STEAD_E_BAD_CONFIG' });
  });
});
