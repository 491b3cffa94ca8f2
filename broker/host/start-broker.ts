import * as z from 'zod/mini';
import { pino, type LevelWithSilent } from 'pino';
import { expected, instance, nonEmptyString, optionsSchema, parseOptions } from '../../shared/options.js';
import { loadApps } from '../apps/load-apps.js';
import { isProxyType, type ProxyType } from '../apps/define-proxy.js';
import { isStore, loadStoreModules, openStore } from '../store/open-store.js';
import { brokerOptionsShape, logLevelSchema, type BrokerOptions } from './broker-options.js';
import { createBroker, type SteadBroker } from './create-broker.js';

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

/** `createBroker`'s schema and what `startBroker` adds to its options. */
export const startBrokerOptionsSchema = optionsSchema<StartBrokerOptions>(
  {
    ...brokerOptionsShape,
    apps: z.optional(z.array(z.union([nonEmptyString('a path'), instance<ProxyType>('a proxy type', isProxyType)], expected('an app module path or a proxy type')), expected('an array of apps'))),
    storeModules: z.optional(z.array(nonEmptyString('a module path or package name'), expected('an array of modules'))),
    logLevel: z.optional(logLevelSchema),
  },
  'an object (the broker options)',
);

/**
 * What `stead broker` does, as a function: loads the store modules and opens the store, then
 * loads the app modules and starts the broker. The caller owns the result (it prints, waits for
 * signals, closes); nothing here exits the process. `loadBrokerConfig(path)` makes these options
 * from a `stead.json`.
 */
export async function startBroker(given: StartBrokerOptions = {}): Promise<SteadBroker> {
  const { apps: named = [], storeModules = [], logLevel, ...options } = parseOptions(startBrokerOptionsSchema, given, 'BAD_OPTIONS');
  await loadStoreModules(storeModules, options.storeBaseDir);
  // The store before the apps: a store file another broker owns (DESIGN §6) is refused at once,
  // not after every app module has loaded.
  const mine = !isStore(options.store);
  const store = isStore(options.store) ? options.store : await openStore(options.store ?? 'memory:', { options: options.storeOptions, baseDir: options.storeBaseDir });
  try {
    const loaded = await loadApps(named.filter((app): app is string => typeof app === 'string'));
    const apps = [...named.filter(isProxyType), ...loaded];
    const logger = options.logger ?? (logLevel ? pino({ level: logLevel }, pino.destination(2)) : undefined);
    // The broker closes the store with itself; until it runs, the store is ours to close.
    return await createBroker({ ...options, store, apps, ...(logger ? { logger } : {}) });
  } catch (error) {
    if (mine) await store.close();
    throw error;
  }
}
