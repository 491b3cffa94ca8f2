import type { Aedes } from 'aedes';
import type { ConnectionLimits } from './connection-limits.js';
import type { ConnectionHandler, WebSocketLimits } from './listeners.js';
import { MQTT_FIXED_HEADER_BYTES, PacketSizeGuard, type OversizeListener } from './packet-size-guard.js';
import { PendingConnections } from './pending-connections.js';

/** aedes' CONNACK return code for a keepalive outside its limit. */
const KEEPALIVE_REFUSED = 6;

export interface ConnectionIntake {
  /** Every listener's connections go here. */
  readonly handle: ConnectionHandler;
  /** The WebSocket listeners' message cap: one MQTT packet. */
  readonly ws: WebSocketLimits;
  readonly pending: PendingConnections;
}

/**
 * How a connection reaches aedes: counted among the not-yet-authenticated ones (closed at once
 * over a cap), then behind the packet size guard; it leaves the pending count when aedes
 * registers its client.
 */
export function connectionIntake(aedes: Aedes, cap: number, limits: ConnectionLimits, oversize: OversizeListener, count: (event: string) => void): ConnectionIntake {
  const pending = new PendingConnections(limits, count);
  aedes.on('client', (client) => pending.authenticated(client.conn));
  // aedes answers a keepalive of 0 or over its limit with CONNACK 6 before any hook runs.
  aedes.on('connectionError', (_client, error) => {
    if ((error as { errorCode?: unknown }).errorCode === KEEPALIVE_REFUSED) count('auth.refused.keepalive');
  });
  const maxPayload = cap + MQTT_FIXED_HEADER_BYTES;
  return {
    pending,
    ws: { maxPayload, onOversize: () => oversize(maxPayload) },
    handle: (stream, address) => {
      const guarded = new PacketSizeGuard(stream, cap, oversize);
      if (!pending.admit(guarded, address)) return void guarded.destroy();
      aedes.handle(guarded);
    },
  };
}
