import { isValidName } from '../../shared/names.js';

/**
 * What a key may use (DESIGN §7), compiled once per registry change, checked per message.
 * Proxy patterns are `<app>/<id>`: each part a name or `*`, and the id may be `{device}`, the
 * key's own device id (the per-device default: "the proxy named like the device"). Topic
 * grants are MQTT filters (`+`, `#`) naming plain topics outside Stead's root.
 */
export interface Grants {
  readonly proxies: readonly string[];
  readonly topics: readonly string[];
}

/** The default grant of a key given none: every app's proxy named like the device. */
export const DEVICE_DEFAULT_PROXY = '*/{device}';

export function isValidProxyPattern(pattern: string): boolean {
  const [app, id, extra] = pattern.split('/');
  if (extra !== undefined || app === undefined || id === undefined) return false;
  return (app === '*' || isValidName(app)) && (id === '*' || id === '{device}' || isValidName(id));
}

/** A topic filter a key may be granted: MQTT-valid, not the broker's `$SYS`. */
export function isValidTopicGrant(filter: string): boolean {
  if (filter === '' || filter === '$SYS' || filter.startsWith('$SYS/') || filter.length > 256) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => (level === '#' ? i === levels.length - 1 : level === '+' || !/[+#]/.test(level)));
}

/** One key's grants, ready to answer "may it use this proxy / this topic?". */
export class CompiledGrants {
  readonly #anyProxy: boolean;
  /** `app/id` exact grants, and `app` for `app/*`. */
  readonly #exact = new Set<string>();
  readonly #apps = new Set<string>();
  /** Ids granted in every app (`*` as the app). */
  readonly #ids = new Set<string>();
  readonly #topics: readonly string[][];

  constructor(grants: Grants, device: string) {
    let anyProxy = false;
    for (const pattern of grants.proxies) {
      const [app = '', rawId = ''] = pattern.split('/');
      const id = rawId === '{device}' ? device : rawId;
      if (app === '*' && id === '*') anyProxy = true;
      else if (app === '*') this.#ids.add(id);
      else if (id === '*') this.#apps.add(app);
      else this.#exact.add(`${app}/${id}`);
    }
    this.#anyProxy = anyProxy;
    this.#topics = grants.topics.map((filter) => filter.split('/'));
  }

  mayUseProxy(app: string, id: string): boolean {
    return this.#anyProxy || this.#ids.has(id) || this.#apps.has(app) || this.#exact.has(`${app}/${id}`);
  }

  /**
   * True when only a grant with a wildcard id (`app/*`, `*\/*`) lets the key use this proxy:
   * such proxies count against the key's quota (key-quotas.ts); exact and `{device}` grants do not.
   */
  viaIdWildcard(app: string, id: string): boolean {
    if (this.#ids.has(id) || this.#exact.has(`${app}/${id}`)) return false;
    return this.#anyProxy || this.#apps.has(app);
  }

  mayUseTopic(topic: string): boolean {
    if (this.#topics.length === 0) return false;
    const levels = topic.split('/');
    return this.#topics.some((filter) => matchesFilter(filter, levels));
  }
}

/** MQTT 3.1.1 §4.7 topic matching, one filter against one topic name, both split into levels. */
export function matchesFilter(filter: readonly string[], topic: readonly string[]): boolean {
  // [MQTT-4.7.2-1] a filter starting with a wildcard matches no topic starting with `$`.
  if (topic[0]?.startsWith('$') && (filter[0] === '#' || filter[0] === '+')) return false;
  for (let i = 0; i < filter.length; i++) {
    const level = filter[i];
    // [MQTT-4.7.1-2] `#` matches the parent level and any number of children.
    if (level === '#') return true;
    if (i >= topic.length) return false;
    if (level !== '+' && level !== topic[i]) return false;
  }
  return filter.length === topic.length;
}
