import type { RegistrySnapshot } from './registry.js';

/** What one connection may use; the topic policy (topic-policy.ts) asks it per message. */
export interface Access {
  /** A broker without keys: topics under the root that name no session stay readable (none is a request). */
  readonly open?: boolean;
  /** DESIGN §7: the admin role may observe everything (requests, replies, `$SYS`). */
  isAdmin(): boolean;
  mayUseProxy(app: string, id: string): boolean;
  /** A plain MQTT topic outside Stead's root. */
  mayUseTopic(topic: string): boolean;
}

const yes = (): boolean => true;
const no = (): boolean => false;

/** A broker without keys (the library's default, docs/identity.md): every proxy and topic. */
export const OPEN_ACCESS: Access = { open: true, isAdmin: no, mayUseProxy: yes, mayUseTopic: yes };

/** `--allow-anonymous`: plain MQTT topics only; Stead's topics need a key. */
export const ANONYMOUS_ACCESS: Access = { isAdmin: no, mayUseProxy: no, mayUseTopic: yes };

/**
 * A key's access, read from the registry as it is now: a grant or a revoke applies to the next
 * message of a connection already up (a revoked key also has its connections closed).
 */
export class KeyAccess implements Access {
  readonly device: string;
  readonly #registry: () => RegistrySnapshot;

  constructor(device: string, registry: () => RegistrySnapshot) {
    this.device = device;
    this.#registry = registry;
  }

  isAdmin(): boolean {
    return this.#registry().get(this.device)?.admin === true;
  }

  mayUseProxy(app: string, id: string): boolean {
    const key = this.#registry().get(this.device);
    return key !== undefined && (key.admin || key.grants.mayUseProxy(app, id));
  }

  mayUseTopic(topic: string): boolean {
    const key = this.#registry().get(this.device);
    return key !== undefined && (key.admin || key.grants.mayUseTopic(topic));
  }

  /** True when the key (not an admin) reaches this proxy only through a wildcard id: counted against its quota. */
  viaIdWildcard(app: string, id: string): boolean {
    const key = this.#registry().get(this.device);
    return key !== undefined && !key.admin && key.grants.viaIdWildcard(app, id);
  }
}
