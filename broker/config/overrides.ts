import { definedOnly } from '../../shared/options.js';
import type { ListenerOptions } from '../host/listeners.js';
import type { StartBrokerOptions } from '../host/start-broker.js';

/**
 * `base` with `overrides` on top: how `stead broker` lays the flags a user gave over the config
 * file, and the file over the command's defaults. A field given in `overrides` replaces the
 * base's, with three rules of their own:
 * - `store` replaces the base's store whole (its options and base folder go with it);
 *   `storeModules` add to the base's (they only register schemes);
 * - each listener replaces the fields it gives of the base's first listener of its protocol, or
 *   is added when the base has none (`--tls-port` next to the file's `mqtt` listener);
 * - `auth` fields given replace the base's one by one;
 * - `host` is the host of every listener (`port` is the `mqtt` listener's: give it as a listener).
 */
export function withOverrides(base: StartBrokerOptions, overrides: StartBrokerOptions): StartBrokerOptions {
  const merged: StartBrokerOptions = { ...base, ...definedOnly(overrides) };
  if (overrides.store !== undefined) {
    merged.storeOptions = overrides.storeOptions;
    merged.storeBaseDir = overrides.storeBaseDir;
  }
  // Auth options given add to the base's: `--allow-anonymous` keeps the file's audience.
  if (overrides.auth) merged.auth = { ...base.auth, ...definedOnly(overrides.auth) };
  if (base.storeModules && overrides.storeModules) merged.storeModules = [...base.storeModules, ...overrides.storeModules];
  if (overrides.listeners) merged.listeners = mergeListeners(base.listeners ?? [{ protocol: 'mqtt' }], overrides.listeners);
  if (overrides.host !== undefined && merged.listeners) merged.listeners = merged.listeners.map((l) => ({ ...l, host: overrides.host }));
  return merged;
}

function mergeListeners(base: readonly ListenerOptions[], overrides: readonly ListenerOptions[]): ListenerOptions[] {
  const merged = [...base];
  for (const listener of overrides) {
    const protocol = listener.protocol ?? 'mqtt';
    const index = merged.findIndex((l) => (l.protocol ?? 'mqtt') === protocol);
    if (index < 0) merged.push({ ...definedOnly(listener), protocol });
    else merged[index] = { ...merged[index], ...definedOnly(listener), protocol };
  }
  return merged;
}
