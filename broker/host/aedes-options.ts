import type { AedesOptions } from 'aedes';
import type { BrokerAuth } from '../auth/index.js';
import type { ConnectionLimits } from './connection-limits.js';
import { boundedPersistence } from './offline-queues.js';

/**
 * The options the one aedes instance is made with: the auth hooks, and the bounds aedes itself
 * enforces (connect timeout, keepalive limit, bounded offline queues).
 */
export function aedesOptions(auth: BrokerAuth, limits: ConnectionLimits, count: (event: string) => void): AedesOptions {
  return {
    ...auth.hooks(),
    connectTimeout: limits.connectTimeoutMs,
    // [MQTT-3.1.2-24] aedes closes a client silent for 1.5 keepalives: a bounded keepalive bounds how long a dead one holds on.
    keepaliveLimit: limits.keepaliveLimitSec,
    persistence: boundedPersistence({
      mayQueue: (clientId, topic) => auth.mayQueue(clientId, topic),
      maxMessages: limits.offlineQueueMessages,
      maxBytes: limits.offlineQueueBytes,
      count,
    }),
  };
}
