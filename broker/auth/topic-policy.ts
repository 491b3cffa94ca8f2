import { isValidName } from '../../shared/names.js';
import type { Topics } from '../../shared/topics.js';
import type { Access } from './access.js';

/**
 * A publish is allowed, refused (counted `auth.refused.publish`, or `.retain` for a retained
 * message under the root), or allowed as a misshapen request of a usable proxy (dropped by the
 * runtime, counted).
 */
export type PublishVerdict = 'allow' | 'refuse' | 'retain' | 'misshapen';

/** The broker's own `$`-topics; other `$`-topics are plain topics [MQTT-4.7.2-1]. */
const SYS = '$SYS';

/**
 * DESIGN §7 authorization as three questions, asked by the aedes hooks (auth-hooks.ts):
 * - publish: `…/in` of a proxy the key may use; never `…/out` (replies are the broker's), never
 *   `$SYS`; plain topics (other `$`-topics among them) where granted. Under the root, access is
 *   checked before shape, and nothing is retained (wills included): the root is the broker's.
 * - read (each delivery, aedes' forward authorization): `…/out` of a usable proxy, plain topics
 *   where granted; requests (`…/in`), other topics under the root and `$SYS` to the admin role only.
 * - subscribe: a filter without wildcards is checked as a read of that topic; a wildcard filter
 *   is granted (a normal MQTT feature) and filtered per delivery, so a subscriber without grants
 *   never receives a Stead topic; `$SYS` filters are the admin's.
 */
export class TopicPolicy {
  readonly #topics: Topics;
  readonly #prefix: string;
  readonly #rootLevels: number;

  constructor(topics: Topics) {
    this.#topics = topics;
    this.#prefix = `${topics.root}/`;
    this.#rootLevels = topics.root.split('/').length;
  }

  publish(access: Access, topic: string, retain: boolean): PublishVerdict {
    if (isSys(topic)) return 'refuse';
    if (!topic.startsWith(this.#prefix)) return access.mayUseTopic(topic) ? 'allow' : 'refuse';
    // Broker events (commits) are the broker's alone: nobody forges one.
    if (topic.startsWith(this.#topics.eventsPrefix)) return 'refuse';
    const target = this.#topics.parse(topic);
    if (target) {
      if (target.direction !== 'in' || !access.mayUseProxy(target.app, target.id)) return 'refuse';
      return retain ? 'retain' : 'allow';
    }
    // Misshapen (no proxy reads it): refused unless it names a proxy the client may use; a
    // request-shaped one (the right level count) is dropped and counted by the runtime, any
    // other by the hook.
    const levels = topic.split('/');
    if (!topic.endsWith('/in') || !this.#mayUseNamed(access, levels)) return 'refuse';
    if (retain) return 'retain';
    return levels.length === this.#rootLevels + 4 ? 'allow' : 'misshapen';
  }

  read(access: Access, topic: string): boolean {
    if (isSys(topic)) return access.isAdmin();
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

  /** The proxy a misshapen topic names, usable by `access`: any on an open broker. */
  #mayUseNamed(access: Access, levels: readonly string[]): boolean {
    if (access.open === true) return true;
    const app = levels[this.#rootLevels];
    const id = levels[this.#rootLevels + 1];
    return isValidName(app) && isValidName(id) && access.mayUseProxy(app, id);
  }

  subscribe(access: Access, filter: string): boolean {
    if (isSys(filter)) return access.isAdmin();
    if (filter.includes('+') || filter.includes('#')) return true;
    return this.read(access, filter);
  }
}

function isSys(topic: string): boolean {
  return topic.startsWith(SYS) && (topic.length === SYS.length || topic.charCodeAt(SYS.length) === 0x2f);
}

/**
 * MQTT forbids U+0000 in every string [MQTT-1.5.3-2] and requires well-formed UTF-8
 * [MQTT-1.5.3-1]. The packet parser decodes broken bytes (and lone surrogates) to U+FFFD, so a
 * topic holding U+FFFD is taken for one that was not UTF-8: the connection is closed.
 */
export function isWellFormedTopic(topic: string): boolean {
  return !INVALID_TOPIC_CHARS.test(topic);
}

const INVALID_TOPIC_CHARS = /[\u0000\uFFFD]/;
