import type { Topics } from '../../shared/topics.js';
import type { Access } from './access.js';

export type PublishVerdict = 'allow' | 'refuse' | 'misshapen';

/**
 * DESIGN §7 authorization as three questions, asked by the aedes hooks (auth-hooks.ts):
 * - publish: `…/in` of a proxy the key may use; never `…/out` (replies are the broker's), never
 *   `$`-topics; plain topics where granted.
 * - read (each delivery, aedes' forward authorization): `…/out` of a usable proxy, plain topics
 *   where granted; requests (`…/in`), other topics under the root and `$SYS` to the admin role only.
 * - subscribe: a filter without wildcards is checked as a read of that topic; a wildcard filter
 *   is granted (a normal MQTT feature) and filtered per delivery, so a subscriber without grants
 *   never receives a Stead topic; `$` filters are the admin's.
 */
export class TopicPolicy {
  readonly #topics: Topics;
  readonly #prefix: string;
  readonly #requestLevels: number;

  constructor(topics: Topics) {
    this.#topics = topics;
    this.#prefix = `${topics.root}/`;
    this.#requestLevels = topics.root.split('/').length + 4;
  }

  publish(access: Access, topic: string): PublishVerdict {
    if (topic.startsWith('$')) return 'refuse';
    // Broker events (commits) are the broker's alone: nobody forges one.
    if (topic.startsWith(this.#topics.eventsPrefix)) return 'refuse';
    if (!topic.startsWith(this.#prefix)) return access.mayUseTopic(topic) ? 'allow' : 'refuse';
    const target = this.#topics.parse(topic);
    if (!target) {
      // A request topic with the wrong number of levels reaches no proxy: counted (DESIGN §5);
      // one with the right count is dropped and counted by the runtime.
      if (!topic.endsWith('/in')) return 'refuse';
      return topic.split('/').length === this.#requestLevels ? 'allow' : 'misshapen';
    }
    if (target.direction !== 'in') return 'refuse';
    return access.mayUseProxy(target.app, target.id) ? 'allow' : 'refuse';
  }

  read(access: Access, topic: string): boolean {
    if (topic.startsWith('$')) return access.isAdmin();
    if (!topic.startsWith(this.#prefix)) return access.mayUseTopic(topic);
    // Broker events: the admin role's, and anyone's on an open broker (an app or id may be `in`).
    if (topic.startsWith(this.#topics.eventsPrefix)) return access.isAdmin() || access.open === true;
    const target = this.#topics.parse(topic);
    // A topic under the root that names no session is the broker's own (events for the admin
    // role) or a misshapen request: the admin's, except on an open broker where only requests
    // are kept from subscribers.
    if (!target) return access.isAdmin() || (access.open === true && !topic.endsWith('/in'));
    if (target.direction === 'in') return access.isAdmin();
    return access.mayUseProxy(target.app, target.id);
  }

  subscribe(access: Access, filter: string): boolean {
    if (filter.startsWith('$')) return access.isAdmin();
    if (filter.includes('+') || filter.includes('#')) return true;
    return this.read(access, filter);
  }
}
