import { SteadError } from '../../shared/errors.js';
import { toBase64Url } from '../../shared/identity/base64url.js';
import { decodePublicKey } from '../../shared/identity/key-pair.js';
import { assertName } from '../../shared/names.js';
import type { Store } from '../store/types.js';
import { DEVICE_DEFAULT_PROXY, isValidProxyPattern, isValidTopicGrant } from './grants.js';
import { EMPTY_REGISTRY, REGISTRY_KEY, decodeRegistry, encodeRegistry, type KeyEntry, type RegistryData, type Role } from './registry.js';

export interface GrantOptions {
  /** The device's public key (32 bytes, or base64url): required for a device not yet registered. */
  publicKey?: Uint8Array | string;
  /** Proxy patterns (`toaster/shop-1`, `toaster/*`, `*\/{device}`); a new key given none gets `*\/{device}`. */
  proxies?: readonly string[];
  /** Plain MQTT topic filters outside Stead's root. */
  topics?: readonly string[];
  role?: Role;
  /** The grants become exactly those given (role included, `device` unless given): how grants are narrowed. */
  replace?: boolean;
}

export interface KeyListing extends KeyEntry {
  readonly device: string;
}

/** Attempts at a registry change before giving up on a store that keeps conflicting. */
const MAX_ATTEMPTS = 20;

/**
 * `stead keys grant|revoke|ls` as functions over a store: each change is load, edit, commit with
 * the version read (DESIGN §6 optimistic concurrency), again on a conflict. A running broker on
 * the same store sees the change at its next registry poll (`auth.refreshMs`).
 */
export class KeyRegistry {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #changed: () => Promise<void>;

  /** `changed` runs after each committed change (a broker reads its registry again at once). */
  constructor(store: Store, now: () => number = Date.now, changed: () => Promise<void> = async () => {}) {
    this.#store = store;
    this.#now = now;
    this.#changed = changed;
  }

  /** The registry and the store version it was read at (0: never written). */
  async read(): Promise<{ version: number; data: RegistryData }> {
    const stored = await this.#store.load(REGISTRY_KEY);
    return stored ? { version: stored.version, data: decodeRegistry(stored.record) } : { version: 0, data: EMPTY_REGISTRY };
  }

  /** The registry if its version is not `version`, else null: a poll decodes nothing while nothing changed. */
  async readIfChanged(version: number): Promise<{ version: number; data: RegistryData } | null> {
    const stored = await this.#store.load(REGISTRY_KEY);
    const current = stored?.version ?? 0;
    if (current === version) return null;
    return { version: current, data: stored ? decodeRegistry(stored.record) : EMPTY_REGISTRY };
  }

  async list(): Promise<KeyListing[]> {
    const { data } = await this.read();
    return Object.entries(data.keys)
      .map(([device, entry]) => ({ device, ...entry }))
      .sort((a, b) => a.device.localeCompare(b.device));
  }

  /**
   * Registers a key or adds grants to it (replaces them with `replace`). A new public key
   * replaces the old one, which is retired with the device's revoked keys: a revoked or replaced
   * public key is never granted again, under any device (BAD_KEY: make a new key).
   */
  async grant(device: string, options: GrantOptions = {}): Promise<KeyListing> {
    assertName('id', device);
    const publicKey = options.publicKey === undefined ? undefined : toBase64Url(asPublicKey(options.publicKey));
    for (const pattern of options.proxies ?? []) {
      if (!isValidProxyPattern(pattern)) throw new SteadError('BAD_OPTIONS', `invalid proxy pattern ${JSON.stringify(pattern)}: <app|*>/<id|*|{device}>`);
    }
    for (const filter of options.topics ?? []) {
      if (!isValidTopicGrant(filter)) throw new SteadError('BAD_OPTIONS', `invalid topic grant ${JSON.stringify(filter)}`);
    }
    const entry = await this.#update(device, (before, data) => {
      const key = publicKey ?? before?.publicKey;
      if (!key) throw new SteadError('BAD_KEY', `${device} has no key in the registry: give its public key`);
      if (isRetired(data, key)) {
        throw new SteadError('BAD_KEY', `the public key of ${device} was revoked; make a new key`);
      }
      const fresh = !before || before.revokedAt !== null || key !== before.publicKey;
      const kept = fresh || options.replace === true ? null : before;
      const proxies = union(kept?.proxies ?? [], options.proxies ?? []);
      const topics = union(kept?.topics ?? [], options.topics ?? []);
      const role = options.role ?? kept?.role ?? 'device';
      const defaulted = proxies.length === 0 && topics.length === 0 && role === 'device' ? [DEVICE_DEFAULT_PROXY] : proxies;
      const retiredKeys = retire(before, before && key !== before.publicKey ? before.publicKey : null);
      const createdAt = fresh || !before ? this.#now() : before.createdAt;
      return { publicKey: key, role, proxies: defaulted, topics, createdAt, revokedAt: null, ...(retiredKeys.length > 0 ? { retiredKeys } : {}) };
    });
    return { device, ...(entry as KeyEntry) };
  }

  /** Revokes a key for good: it authenticates nothing from the next poll on, its live connections are closed, and it is never granted again. */
  async revoke(device: string): Promise<boolean> {
    assertName('id', device);
    let found = false;
    await this.#update(device, (before) => {
      found = before !== undefined && before.revokedAt === null;
      if (!before || before.revokedAt !== null) return before;
      return { ...before, revokedAt: this.#now(), retiredKeys: retire(before, before.publicKey) };
    });
    return found;
  }

  async #update(device: string, edit: (before: KeyEntry | undefined, data: RegistryData) => KeyEntry | undefined): Promise<KeyEntry | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { version, data } = await this.read();
      const before = data.keys[device];
      const after = edit(before, data);
      if (after === before) return after;
      const keys = { ...data.keys };
      if (after) keys[device] = after;
      const [outcome] = await this.#store.commit([{ key: REGISTRY_KEY, expectVersion: version, record: encodeRegistry({ keys }), wakeAt: null }]);
      if (outcome !== 'committed') continue;
      await this.#changed();
      return after;
    }
    throw new SteadError('VERSION_CONFLICT', `the key registry kept changing under ${MAX_ATTEMPTS} attempts`);
  }
}

function asPublicKey(key: Uint8Array | string): Uint8Array {
  if (typeof key === 'string') return decodePublicKey(key);
  if (key.length !== 32) throw new SteadError('BAD_KEY', 'a public key is 32 bytes');
  return key;
}

/** True when some device revoked or replaced this public key (a registry from before `retiredKeys` has only `revokedAt`). */
function isRetired(data: RegistryData, publicKey: string): boolean {
  return Object.values(data.keys).some((entry) => (entry.revokedAt !== null && entry.publicKey === publicKey) || entry.retiredKeys?.includes(publicKey) === true);
}

/** The device's retired keys, with `publicKey` added. */
function retire(entry: KeyEntry | undefined, publicKey: string | null): string[] {
  const retired = entry?.retiredKeys ?? [];
  return publicKey === null ? [...retired] : union(retired, [publicKey]);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
