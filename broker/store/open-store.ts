import { SteadError } from '../../shared/errors.js';
import { createMemoryStore } from './memory/memory-store.js';
import type { Store } from './types.js';

export type StoreFactory = (url: URL | string) => Store | Promise<Store>;

/** Backends are chosen by URL and registered by scheme, so users can add their own (DESIGN §6). */
const factories = new Map<string, StoreFactory>([
  ['memory:', () => createMemoryStore()],
  // Loaded on first use, so `memory:` users never load the native addon.
  ['sqlite:', async (url) => {
    const { createSqliteStore, sqlitePathFromUrl } = await import('./sqlite/sqlite-store.js');
    return createSqliteStore(sqlitePathFromUrl(url));
  }],
]);

export function registerStore(scheme: string, factory: StoreFactory): void {
  factories.set(scheme.endsWith(':') ? scheme : `${scheme}:`, factory);
}

export async function openStore(url: string): Promise<Store> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase();
  const factory = scheme ? factories.get(scheme) : undefined;
  if (!factory) {
    throw new SteadError('BAD_OPTIONS', `no store for ${JSON.stringify(url)}; known schemes: ${[...factories.keys()].join(' ')}`);
  }
  return factory(url);
}
