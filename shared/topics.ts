/** DESIGN §5: the one module that spells Stead's topics. */
import { DEFAULT_ROOT } from './defaults.js';
import { assertName, assertRoot, isValidName } from './names.js';

export type Direction = 'in' | 'out';

const PARSE_CACHE_SIZE = 65_536;

/** Where a topic points: one logical session of one proxy, one direction. */
export interface SessionTopic {
  app: string;
  id: string;
  session: string;
  direction: Direction;
}

/** Builds and parses the topics under one root; resolve once, use per message. */
export interface Topics {
  readonly root: string;
  /** Device → proxy requests. */
  inbound(app: string, id: string, session: string): string;
  /** Proxy → device replies and notifications. */
  outbound(app: string, id: string, session: string): string;
  /** The filter the broker subscribes to for every request. */
  readonly inboundFilter: string;
  /**
   * Broker events for admin clients, under `<root>/$events/` (only the broker publishes there):
   * a proxy's durable commit on `<root>/$events/commit/<app>/<id>`.
   */
  readonly eventsPrefix: string;
  commitEvent(app: string, id: string): string;
  /** Parses a topic under this root; `undefined` when it is not a valid Stead topic (result frozen). */
  parse(topic: string): SessionTopic | undefined;
}

export function createTopics(root: string = DEFAULT_ROOT): Topics {
  assertRoot(root);
  const prefix = `${root}/`;
  const rootLevels = root.split('/').length;
  const parsed = new Map<string, SessionTopic>();
  const build = (app: string, id: string, session: string, direction: Direction): string => {
    assertName('app', app);
    assertName('id', id);
    assertName('session', session);
    return `${prefix}${app}/${id}/${session}/${direction}`;
  };
  const topics: Topics = {
    root,
    inbound: (app, id, session) => build(app, id, session, 'in'),
    outbound: (app, id, session) => build(app, id, session, 'out'),
    inboundFilter: `${prefix}+/+/+/in`,
    eventsPrefix: `${prefix}$events/`,
    commitEvent: (app, id) => `${prefix}$events/commit/${app}/${id}`,
    parse(topic) {
      // Devices reuse a handful of topics each: remember parses (bounded) instead of re-splitting.
      const known = parsed.get(topic);
      if (known) return known;
      const result = parseTopic(topic);
      if (result) {
        if (parsed.size >= PARSE_CACHE_SIZE) parsed.clear();
        parsed.set(topic, result);
      }
      return result;
    },
  };
  return topics;

  function parseTopic(topic: string): SessionTopic | undefined {
    if (!topic.startsWith(prefix)) return undefined;
    const levels = topic.split('/');
    if (levels.length !== rootLevels + 4) return undefined;
    const [app, id, session, direction] = levels.slice(rootLevels);
    if (direction !== 'in' && direction !== 'out') return undefined;
    if (!isValidName(app) || !isValidName(id) || !isValidName(session)) return undefined;
    return Object.freeze({ app, id, session, direction });
  }
}
