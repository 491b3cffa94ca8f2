import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { DEFAULT_MQTT_PORT } from '../../shared/defaults.js';
import { SteadError } from '../../shared/errors.js';
import { FaultPipe, emptyFaultCounts, type FaultCounts } from './fault-pipe.js';
import { hasFaults, resolveFaults, type FaultPlan, type FaultSettings, type ResolvedFaults } from './fault-settings.js';
import { PacketType, connectClientId } from './mqtt-framer.js';
import { deriveSeed, exponential, seededFraction } from './seeded-random.js';

export interface FaultProxyOptions {
  /** The broker to forward to: a plain TCP URL (`mqtt://host:port`). */
  broker: string;
  faults: FaultPlan;
  /** Seeds each connection's choices (with its client id and how many times it connected). */
  seed?: number;
}

/**
 * A TCP forwarder between simulated devices and the broker that injects faults at the MQTT level
 * (docs/simulate.md, "Faults"): it cuts the streams into packets, drops, duplicates and delays
 * PUBLISH packets, and cuts whole connections, each connection by its own settings.
 */
export interface FaultProxy {
  readonly url: string;
  readonly counts: Readonly<FaultCounts>;
  /** Cuts the connections of one client id (a device restart), or every connection. */
  cut(clientId?: string): void;
  close(): Promise<void>;
}

interface Connection {
  readonly device: Socket;
  readonly broker: Socket;
  readonly pipes: readonly FaultPipe[];
  clientId: string | null;
  cutTimer: ReturnType<typeof setTimeout> | null;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = plainTcpTarget(options.broker);
  const plan = options.faults;
  // Fixed settings are checked once, here; a per-device plan is checked per connection.
  const fixed = typeof plan === 'function' ? null : resolveFaults(plan);
  const settingsFor = (clientId: string): ResolvedFaults => fixed ?? resolveFaults((plan as (id: string) => FaultSettings)(clientId));
  const seed = options.seed ?? 1;
  const counts = emptyFaultCounts();
  const open = new Set<Connection>();
  const connectsById = new Map<string, number>();

  const drop = (conn: Connection): void => {
    if (!open.delete(conn)) return;
    if (conn.cutTimer) clearTimeout(conn.cutTimer);
    for (const pipe of conn.pipes) pipe.stop();
    conn.device.destroy();
    conn.broker.destroy();
  };
  const cut = (conn: Connection): void => {
    if (!open.has(conn)) return;
    counts.cuts++;
    drop(conn);
  };

  const onConnect = (conn: Connection, type: number, packet: Buffer): void => {
    if (type !== PacketType.connect) return;
    const clientId = connectClientId(packet) ?? '';
    conn.clientId = clientId;
    const nth = connectsById.get(clientId) ?? 0;
    connectsById.set(clientId, nth + 1);
    let faults: ResolvedFaults;
    try {
      faults = settingsFor(clientId);
    } catch {
      // A plan that throws for this device leaves it without faults rather than crash the proxy.
      return;
    }
    if (!hasFaults(faults)) return;
    const fraction = seededFraction(deriveSeed(seed, clientId, nth));
    for (const pipe of conn.pipes) pipe.configure(faults, fraction);
    if (faults.cutsPerSecond > 0) {
      conn.cutTimer = setTimeout(() => cut(conn), exponential(fraction, 1000 / faults.cutsPerSecond));
    }
  };

  const server = createServer((device) => {
    const broker = connect(target.port, target.host);
    device.setNoDelay(true);
    broker.setNoDelay(true);
    const pipes: FaultPipe[] = [];
    const conn: Connection = { device, broker, pipes, clientId: null, cutTimer: null };
    pipes.push(new FaultPipe(broker, counts, (type, packet) => onConnect(conn, type, packet)), new FaultPipe(device, counts));
    const [up, down] = pipes as [FaultPipe, FaultPipe];
    open.add(conn);
    counts.connections++;
    device.on('data', (chunk: Buffer) => up.push(chunk));
    broker.on('data', (chunk: Buffer) => down.push(chunk));
    for (const socket of [device, broker]) {
      socket.on('close', () => drop(conn));
      socket.on('error', () => drop(conn));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new SteadError('UNREACHABLE', 'the fault proxy has no port');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    counts,
    cut: (clientId) => {
      for (const conn of open) if (clientId === undefined || conn.clientId === clientId) cut(conn);
    },
    close: async () => {
      for (const conn of open) drop(conn);
      server.close();
      await once(server, 'close');
    },
  };
}

/** The fault proxy reads MQTT framing, so it forwards plain TCP only (not TLS, not WebSocket). */
function plainTcpTarget(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SteadError('BAD_OPTIONS', `broker must be a URL, got ${url}`);
  }
  if ((parsed.protocol !== 'mqtt:' && parsed.protocol !== 'tcp:') || parsed.hostname === '') {
    throw new SteadError('BAD_OPTIONS', `faults need a plain TCP broker URL (mqtt://host:port), got ${url}`);
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port ? Number(parsed.port) : DEFAULT_MQTT_PORT };
}
