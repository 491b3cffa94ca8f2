import { pino, type LevelWithSilent } from 'pino';
import { loadApps } from '../apps/load-apps.js';
import { isProxyType, type ProxyType } from '../apps/define-proxy.js';
import { loadStoreModules } from '../store/open-store.js';
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
 * What `stead broker` does, as a function: loads the app modules and store modules, then starts
 * the broker. The caller owns the result (it prints, waits for signals, closes); nothing here
 * exits the process. `loadBrokerConfig(path)` makes these options from a `stead.json`.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<SteadBroker> {
  const given = options.apps ?? [];
  const loaded = await loadApps(given.filter((app): app is string => typeof app === 'string'));
  const apps = [...given.filter(isProxyType), ...loaded];
  await loadStoreModules(options.storeModules ?? [], options.storeBaseDir);
  const logger = options.logger ?? (options.logLevel ? pino({ level: options.logLevel }, pino.destination(2)) : undefined);
  return createBroker({ ...options, apps, logger });
}
