import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { SteadError } from '../../shared/errors.js';
import { importUserModule } from '../../shared/user-module.js';
import { createMemoryStore } from './memory/memory-store.js';
import type { Store } from './types.js';

/** A store's options as the config file gives them (`store.options`): plain JSON data. */
export type StoreOptions = Readonly<Record<string, unknown>>;

/** Where a store was asked for, for a factory that needs it. */
export interface StoreContext {
  /** The folder relative paths in the URL or options resolve against (a config file's folder, else the working directory). */
  readonly baseDir: string;
  /** Who opens it: its broker (`owner`), or a short-lived tool beside it that edits only the key registry (`registry`). */
  readonly role: StoreRole;
}

/**
 * `owner`: the broker, the store's one writer of proxy records (DESIGN §6; a SQLite file refuses
 * a second owner with STORE_OWNED). `registry`: `stead keys` or `stead flash` while the broker
 * may run, touching only the key registry record, whose every change is read, edit and commit
 * under the version check, so it takes no ownership.
 */
export type StoreRole = 'owner' | 'registry';

/**
 * Makes a store for a URL of its scheme. `options` are the config file's `store.options`
 * (`{}` when none); a factory refuses those it does not know with BAD_CONFIG.
 */
export type StoreFactory = (url: string, options: StoreOptions, context: StoreContext) => Store | Promise<Store>;

/** Backends are chosen by URL and registered by scheme, so users can add their own (DESIGN §6). */
const factories = new Map<string, StoreFactory>([
  ['memory:', (_url, options) => (checkOptions(options, []), createMemoryStore())],
  // Loaded on first use, so `memory:` users never load the native addon.
  ['sqlite:', async (url, options, { baseDir, role }) => {
    checkOptions(options, ['worker']);
    if (options.worker !== undefined && typeof options.worker !== 'boolean') throw badOption('worker', 'expected a boolean');
    const { createSqliteStore, sqlitePathFromUrl } = await import('./sqlite/sqlite-store.js');
    const path = sqlitePathFromUrl(url);
    // A registry edit is a few reads and one write: no worker thread to start for it.
    const registry = role === 'registry';
    return createSqliteStore(isAbsolute(path) ? path : resolve(baseDir, path), {
      worker: registry ? false : (options.worker as boolean | undefined),
      owner: !registry,
    });
  }],
]);

/** Registers (or replaces) the backend of a URL scheme: `registerStore('redis', factory)`. */
export function registerStore(scheme: string, factory: StoreFactory): void {
  const key = (scheme.endsWith(':') ? scheme : `${scheme}:`).toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*:$/.test(key)) throw new SteadError('BAD_OPTIONS', `${JSON.stringify(scheme)} is not a URL scheme`);
  factories.set(key, factory);
}

export interface OpenStoreOptions {
  options?: StoreOptions;
  /** Default: the working directory. */
  baseDir?: string;
  /** Default `owner`: see StoreRole. */
  role?: StoreRole;
}

export async function openStore(url: string, { options = {}, baseDir = process.cwd(), role = 'owner' }: OpenStoreOptions = {}): Promise<Store> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase();
  const factory = scheme ? factories.get(scheme) : undefined;
  if (!factory) {
    throw new SteadError('BAD_OPTIONS', `no store for ${JSON.stringify(url)}; known schemes: ${[...factories.keys()].join(' ')}`);
  }
  let store: Store;
  try {
    store = await factory(url, options, { baseDir, role });
  } catch (error) {
    // A factory's own refusals are typed; anything else is the backend failing to open.
    if (error instanceof SteadError) throw error;
    throw new SteadError('STORE_FAILURE', `the ${scheme} store did not open: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  checkStore(store, scheme as string);
  return store;
}

/** The operations every store has (docs/stores.md); a user's factory is checked for them. */
const OPERATIONS = ['load', 'commit', 'list', 'listWaking', 'remove', 'close'] as const;

/** A factory that returned something else is the configuration's fault, named as `store`. */
function checkStore(store: unknown, scheme: string): asserts store is Store {
  const missing = OPERATIONS.filter((name) => typeof (store as Record<string, unknown> | null | undefined)?.[name] !== 'function');
  if (missing.length > 0) {
    throw new SteadError('BAD_CONFIG', `store: the ${scheme} factory returned no store (missing ${missing.join(', ')})`, { data: { fields: ['store'] } });
  }
}

/**
 * Imports modules that register stores (`store.modules` in the config file, `--store-module`),
 * before the store opens. A module registers by calling `registerStore` when it loads; a
 * relative path resolves against `baseDir`, a bare name is a package.
 */
export async function loadStoreModules(paths: readonly string[], baseDir = process.cwd()): Promise<void> {
  // A package is found from baseDir's node_modules, as the user's own code would find it.
  const require = createRequire(join(baseDir, 'stead-store-modules.js'));
  for (const path of paths) {
    try {
      await importUserModule(path.startsWith('.') || isAbsolute(path) ? resolve(baseDir, path) : require.resolve(path));
    } catch (error) {
      throw new SteadError('BAD_CONFIG', `store module ${path} did not load: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** A factory's check of its options: an unknown one is a BAD_CONFIG naming it (`data.fields`). */
export function checkOptions(options: StoreOptions, known: readonly string[]): void {
  const unknown = Object.keys(options).find((name) => !known.includes(name));
  if (unknown !== undefined) throw badOption(unknown, 'unknown store option');
}

function badOption(name: string, problem: string): SteadError {
  const field = `store.options.${name}`;
  return new SteadError('BAD_CONFIG', `${field}: ${problem}`, { data: { fields: [field] } });
}

/** Whether a value is a store itself rather than its URL. */
export function isStore(value: unknown): value is Store {
  return typeof value === 'object' && value !== null && typeof (value as Store).load === 'function';
}
