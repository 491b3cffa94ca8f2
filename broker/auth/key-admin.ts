import { DEFAULT_STORE_URL } from '../../shared/defaults.js';
import { SteadError } from '../../shared/errors.js';
import { openStore, type OpenStoreOptions } from '../store/open-store.js';
import { KeyRegistry, type GrantOptions, type KeyListing } from './key-registry.js';

/** Which store holds the registry: a broker's store URL, default `stead broker`'s. */
export interface KeyStoreOptions extends Omit<OpenStoreOptions, 'role'> {
  /** The store's URL; default `sqlite:./data/stead.db`. A `memory:` store is refused (it lives inside its broker). */
  store?: string;
}

export interface GrantKeyOptions extends GrantOptions, KeyStoreOptions {}

/**
 * `stead keys grant` as a function (DESIGN §7, docs/identity.md): registers a device's public key,
 * or adds grants to it, in the registry of a broker's store, and returns the entry. A broker
 * running on that store applies it within its refresh time (250 ms by default).
 */
export async function grantKey(device: string, options: GrantKeyOptions = {}): Promise<KeyListing> {
  const { store, options: storeOptions, baseDir, ...grant } = options;
  return withRegistry({ store, options: storeOptions, baseDir }, (registry) => registry.grant(device, grant));
}

/** `stead keys revoke`: the key authenticates nothing more, and a running broker closes its connections; false if it was not granted. */
export async function revokeKey(device: string, options: KeyStoreOptions = {}): Promise<boolean> {
  return withRegistry(options, (registry) => registry.revoke(device));
}

/** `stead keys ls`: every key of the registry (public keys only), by device. */
export async function listKeys(options: KeyStoreOptions = {}): Promise<KeyListing[]> {
  return withRegistry(options, (registry) => registry.list());
}

async function withRegistry<T>({ store: url = DEFAULT_STORE_URL, ...open }: KeyStoreOptions, use: (registry: KeyRegistry) => Promise<T>): Promise<T> {
  // A memory store lives and dies inside its broker's process: a registry written here would be lost.
  if (url.startsWith('memory:')) throw new SteadError('BAD_OPTIONS', 'a memory: store is private to its broker: use a sqlite: store, or broker.auth.keys in code');
  // Beside a running broker that owns the store: the registry record only, with its version
  // check (StoreRole), so `stead keys` and `stead flash` work while the broker runs.
  const store = await openStore(url, { ...open, role: 'registry' });
  try {
    return await use(new KeyRegistry(store));
  } finally {
    await store.close();
  }
}
