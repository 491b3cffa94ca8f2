import { loadApps } from '../apps/load-apps.js';
import { isProxyType, type ProxyType } from '../apps/define-proxy.js';
import { createBroker, type BrokerOptions, type SteadBroker } from './create-broker.js';

export interface StartBrokerOptions extends Omit<BrokerOptions, 'apps'> {
  /** Proxy types, or paths of app modules to load (`stead broker --app <path>`). */
  apps?: readonly (ProxyType | string)[];
}

/**
 * What `stead broker` does, as a function: loads the app modules, then starts the broker. The
 * caller owns the result (it prints, waits for signals, closes); nothing here exits the process.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<SteadBroker> {
  const given = options.apps ?? [];
  const loaded = await loadApps(given.filter((app): app is string => typeof app === 'string'));
  const apps = [...given.filter(isProxyType), ...loaded];
  return createBroker({ ...options, apps });
}
