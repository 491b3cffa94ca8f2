import { connect } from 'node:net';
import type { Aedes } from 'aedes';
import type { Health, ProxySummary, StatusReport } from '../http/admin-types.js';
import type { FleetSample, History, Metrics, StoreHealth } from '../metrics/index.js';
import type { ProxyRuntime } from '../runtime/runtime.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';

export interface FleetParts {
  readonly runtime: ProxyRuntime;
  readonly aedes: Aedes;
  readonly committer: GroupCommitter;
  readonly store: Store;
  readonly metrics: Metrics;
  /** The first MQTT listener: where the health probe connects. */
  readonly mqtt: { readonly host: string; readonly port: number; listening(): boolean };
  readonly mqttUrl: string;
  readonly startedAt: number;
}

/** A store transaction that has waited this long with writes pending makes the broker unhealthy. */
const STUCK_COMMIT_MS = 10_000;

/** Reads the fleet when someone looks (scrape, status, dashboard tick): nothing on the hot path. */
export function sampleFleet({ runtime, aedes, committer }: FleetParts): FleetSample {
  let proxiesLive = 0;
  let proxiesLoaded = 0;
  let sessions = 0;
  let timersPending = 0;
  let gateBacklog = 0;
  const inboxDepths: number[] = [];
  const queueDepths: number[] = [];
  for (const proxy of runtime.proxies()) {
    proxiesLive++;
    inboxDepths.push(proxy.inboxDepth);
    gateBacklog += proxy.gateBacklog;
    if (!proxy.loaded) continue;
    proxiesLoaded++;
    const { record } = proxy;
    sessions += record.sessions.size;
    timersPending += record.timers.length;
    for (const [, session] of record.sessions) queueDepths.push(session.queue.items.length);
  }
  return { connections: aedes.connectedClients, proxiesLive, proxiesLoaded, sessions, timersPending, gateBacklog, storePending: committer.pending, inboxDepths, queueDepths };
}

export function storeHealth({ committer, store }: FleetParts): StoreHealth {
  return { url: store.url, lastSuccessAt: committer.stats.lastSuccessAt, lastFailureAt: committer.stats.lastFailureAt, pending: committer.pending };
}

function storeHealthy(health: StoreHealth, now: number): boolean {
  if (health.lastFailureAt > health.lastSuccessAt) return false;
  return health.pending === 0 || now - health.lastSuccessAt < STUCK_COMMIT_MS;
}

export function fleetStatus(parts: FleetParts, history: History): StatusReport {
  const sample = sampleFleet(parts);
  const store = storeHealth(parts);
  const now = Date.now();
  const recent = history.recent(60_000);
  const errors: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  for (const [event, n] of Object.entries(parts.metrics.snapshot())) {
    if (event.startsWith('STEAD_E_')) errors[event] = n;
    else if (event.startsWith('dropped.')) dropped[event.slice('dropped.'.length)] = n;
  }
  return {
    uptimeSeconds: Math.round((now - parts.startedAt) / 1000),
    mqtt: parts.mqttUrl,
    connections: sample.connections,
    proxiesLive: sample.proxiesLive,
    proxiesLoaded: sample.proxiesLoaded,
    sessions: sample.sessions,
    timersPending: sample.timersPending,
    gateBacklog: sample.gateBacklog,
    callsTotal: parts.metrics.histogram('call').count,
    callsPerSecond: recent.callsPerSecond,
    commitsPerSecond: recent.commitsPerSecond,
    p99Seconds: recent.p99,
    errors,
    dropped,
    store: { url: store.url, healthy: storeHealthy(store, now), lastCommitAt: store.lastSuccessAt, pendingWrites: store.pending },
  };
}

/** Hosted proxies whose address contains `query`, busiest first. */
export function proxySummaries({ runtime }: FleetParts, query: string, limit: number): ProxySummary[] {
  const rows: ProxySummary[] = [];
  for (const proxy of runtime.proxies()) {
    if (query && !proxy.key.includes(query)) continue;
    let queued = 0;
    if (proxy.loaded) for (const [, session] of proxy.record.sessions) queued += session.queue.items.length;
    rows.push({
      key: proxy.key,
      loaded: proxy.loaded,
      sessions: proxy.loaded ? proxy.record.sessions.size : 0,
      inbox: proxy.inboxDepth,
      queued,
      gateBacklog: proxy.gateBacklog,
      timers: proxy.loaded ? proxy.record.timers.length : 0,
    });
  }
  rows.sort((a, b) => b.inbox + b.queued - (a.inbox + a.queued) || a.key.localeCompare(b.key));
  return rows.slice(0, limit);
}

/** A real probe: the MQTT listener accepts a TCP connection now, and the store commits. */
export async function probeHealth(parts: FleetParts): Promise<Health> {
  const mqtt = parts.mqtt.listening() && (await accepts(parts.mqtt));
  const store = storeHealthy(storeHealth(parts), Date.now());
  return { ok: mqtt && store, mqtt, store };
}

function accepts(listener: { readonly host: string; readonly port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: listener.host, port: listener.port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
