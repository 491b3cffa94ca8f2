import { pino, type LevelWithSilent } from 'pino';
import { loadApps } from '../apps/load-apps.js';
import { isProxyType, type ProxyType } from '../apps/define-proxy.js';
import { isStore, loadStoreModules, openStore } from '../store/open-store.js';
import { createBroker, type BrokerOptions, type SteadBroker } from './create-broker.js';

export interface StartBrokerOptions extends Omit<BrokerOptions, 'apps'> {
  /** Proxy types, or paths of app modules to load (`stead broker --app <path>`). */
  apps?: readonly (ProxyType | string)[];
  /**
   * Modules that register stores (`registerStore`) when they load, loaded before the store
   * opens: paths (relative to `storeBaseDir`, else the working directory) or package names.
   */
  storeModules?: readonly string[];
  /** The level of the logger made when none is given (pino's levels); default `warn`. */
  logLevel?: LevelWithSilent;
}

/**
 * What `stead broker` does, as a function: loads the store modules and opens the store, then
 * loads the app modules and starts the broker. The caller owns the result (it prints, waits for
 * signals, closes); nothing here exits the process. `loadBrokerConfig(path)` makes these options
 * from a `stead.json`.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<SteadBroker> {
  await loadStoreModules(options.storeModules ?? [], options.storeBaseDir);
  // The store before the apps: a store file another broker owns (DESIGN §6) is refused at once,
  // not after every app module has loaded.
  const given = isStore(options.store) ? options.store : null;
  const url = typeof options.store === 'string' ? options.store : 'memory:';
  const store = given ?? (await openStore(url, { options: options.storeOptions, baseDir: options.storeBaseDir }));
  try {
    const apps = options.apps ?? [];
    const loaded = await loadApps(apps.filter((app): app is string => typeof app === 'string'));
    const logger = options.logger ?? (options.logLevel ? pino({ level: options.logLevel }, pino.destination(2)) : undefined);
    // The broker closes the store with itself; until it runs, the store is ours to close.
    return await createBroker({ ...options, store, apps: [...apps.filter(isProxyType), ...loaded], logger });
  } catch (error) {
    if (!given) await store.close();
    throw error;
  }
}
