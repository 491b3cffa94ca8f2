/** Per-key and per-client bounds (docs/identity.md, quotas); each refusal is counted by name. */
export interface QuotaOptions {
  /** Live connections of one key (the admin role is exempt); default 64. */
  connectionsPerKey?: number;
  /** Distinct subscriptions of one connection; default 256. */
  subscriptionsPerClient?: number;
  /**
   * Proxies one key reaches through a wildcard grant (`toaster/*`, `*\/*`) that have no record
   * yet, per broker run: past it the key may still use proxies that exist, and creates none
   * more; default 256. Exact grants and `{device}` are not counted.
   */
  wildcardProxiesPerKey?: number;
}

export type ResolvedQuotas = Required<QuotaOptions>;

export const DEFAULT_QUOTAS: ResolvedQuotas = { connectionsPerKey: 64, subscriptionsPerClient: 256, wildcardProxiesPerKey: 256 };

/**
 * The counters behind the quotas, one job each: live connections by key, the proxies a key
 * reached through wildcards, the subscriptions of a connection. Every set is bounded by its
 * quota, so an attacker's key costs at most that much memory.
 */
export class KeyQuotas {
  readonly limits: ResolvedQuotas;
  readonly #connections = new Map<string, number>();
  readonly #wildcardProxies = new Map<string, Set<string>>();
  readonly #subscriptions = new WeakMap<object, Set<string>>();

  constructor(limits: ResolvedQuotas) {
    this.limits = limits;
  }

  /** Takes a connection slot of `device`; false when it holds its quota. */
  connect(device: string): boolean {
    const held = this.#connections.get(device) ?? 0;
    if (held >= this.limits.connectionsPerKey) return false;
    this.#connections.set(device, held + 1);
    return true;
  }

  disconnect(device: string): void {
    const held = (this.#connections.get(device) ?? 1) - 1;
    if (held > 0) this.#connections.set(device, held);
    else this.#connections.delete(device);
  }

  /** True when `proxy` is counted for `device` already, or could be counted now (and is). */
  reachWildcard(device: string, proxy: string): boolean {
    let reached = this.#wildcardProxies.get(device);
    if (reached?.has(proxy)) return true;
    if (reached && reached.size >= this.limits.wildcardProxiesPerKey) return false;
    if (!reached) this.#wildcardProxies.set(device, (reached = new Set()));
    reached.add(proxy);
    return true;
  }

  /** Adds a subscription of `client`; false when it holds its quota of other filters. */
  subscribe(client: object, filter: string): boolean {
    let filters = this.#subscriptions.get(client);
    if (filters?.has(filter)) return true;
    if (filters && filters.size >= this.limits.subscriptionsPerClient) return false;
    if (!filters) this.#subscriptions.set(client, (filters = new Set()));
    filters.add(filter);
    return true;
  }

  unsubscribe(client: object, filter: string): void {
    this.#subscriptions.get(client)?.delete(filter);
  }
}

export function resolveQuotas(options: QuotaOptions | undefined): ResolvedQuotas {
  return { ...DEFAULT_QUOTAS, ...options };
}
