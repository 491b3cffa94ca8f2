import { SteadError } from '../../shared/errors.js';

/** What a connection may hold before and after it authenticates (docs/operations.md, limits). */
export interface ConnectionOptions {
  /** A connection that has not sent its CONNECT (and been answered) by then is closed; default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Connections not yet authenticated, over every listener; default 4,096. */
  maxPending?: number;
  /** Connections not yet authenticated from one peer address; default 256. */
  maxPendingPerAddress?: number;
  /** The longest MQTT keepalive accepted, in seconds; a CONNECT with 0 (never) or more is refused. Default 900; 0 accepts any. */
  keepaliveLimitSec?: number;
  /** Messages held for one clean-session-false client (offline-queues.ts); default 1,000. */
  offlineQueueMessages?: number;
  /** Bytes held for one such client; default 1 MiB. */
  offlineQueueBytes?: number;
}

export type ConnectionLimits = Required<ConnectionOptions>;

const DEFAULTS: ConnectionLimits = {
  connectTimeoutMs: 10_000,
  maxPending: 4096,
  maxPendingPerAddress: 256,
  keepaliveLimitSec: 900,
  offlineQueueMessages: 1000,
  offlineQueueBytes: 1024 * 1024,
};

/** Every connection limit over the defaults, each checked once (BAD_OPTIONS). */
export function resolveConnectionLimits(options: ConnectionOptions = {}): ConnectionLimits {
  const limits = { ...DEFAULTS, ...options };
  for (const [name, value] of Object.entries(limits)) {
    const least = name === 'keepaliveLimitSec' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) throw new SteadError('BAD_OPTIONS', `connections.${name} must be an integer of at least ${least}`);
  }
  return limits;
}
