import { assertName, assertRoot, isValidName } from './names.js';

/** DESIGN §5: the one module that spells Stead's topics. */
export const DEFAULT_ROOT = 'stead';

export type Direction = 'in' | 'out';

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
  /** Parses a topic under this root; `undefined` when it is not a valid Stead topic. */
  parse(topic: string): SessionTopic | undefined;
}

export function createTopics(root: string = DEFAULT_ROOT): Topics {
  assertRoot(root);
  const prefix = `${root}/`;
  const rootLevels = root.split('/').length;
  const build = (app: string, id: string, session: string, direction: Direction): string => {
    assertName('app', app);
    assertName('id', id);
    assertName('session', session);
    return `${prefix}${app}/${id}/${session}/${direction}`;
  };
  return {
    root,
    inbound: (app, id, session) => build(app, id, session, 'in'),
    outbound: (app, id, session) => build(app, id, session, 'out'),
    inboundFilter: `${prefix}+/+/+/in`,
    parse(topic) {
      if (!topic.startsWith(prefix)) return undefined;
      const levels = topic.split('/');
      if (levels.length !== rootLevels + 4) return undefined;
      const [app, id, session, direction] = levels.slice(rootLevels);
      if (direction !== 'in' && direction !== 'out') return undefined;
      if (!isValidName(app) || !isValidName(id) || !isValidName(session)) return undefined;
      return { app, id, session, direction };
    },
  };
}
