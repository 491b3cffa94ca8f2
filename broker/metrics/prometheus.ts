import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BATCH_BUCKETS, LATENCY_BUCKETS, type Metrics, type Observed } from './event-feed.js';
import { DEPTH_BUCKETS, type FleetSample, type StoreHealth } from './fleet-sample.js';
import { distribution, FeedHistogram } from './feed-histogram.js';

export interface ExporterSources {
  readonly metrics: Metrics;
  readonly sample: () => FleetSample;
  readonly store: () => StoreHealth;
  /** When the broker started (ms since the epoch). */
  readonly startedAt: number;
}

const EMPTY: FleetSample = {
  connections: 0,
  proxiesLive: 0,
  proxiesLoaded: 0,
  sessions: 0,
  timersPending: 0,
  gateBacklog: 0,
  storePending: 0,
  inboxDepths: [],
  queueDepths: [],
};

let processMetrics: Registry | null = null;

/**
 * prom-client's default metrics (memory, CPU, event loop, GC) describe the process, and their
 * collectors (a GC observer, an event-loop monitor) cannot be stopped: one set per process,
 * shared by every broker in it.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

type Gauges = readonly (readonly [name: string, help: string, read: (s: FleetSample) => number])[];

const GAUGES: Gauges = [
  ['stead_connections', 'MQTT clients connected', (s) => s.connections],
  ['stead_proxies_live', 'Proxies hosted in memory', (s) => s.proxiesLive],
  ['stead_proxies_loaded', 'Hosted proxies with their record loaded', (s) => s.proxiesLoaded],
  ['stead_sessions', 'Logical sessions of loaded proxies', (s) => s.sessions],
  ['stead_timers_pending', 'Durable timers set on loaded proxies', (s) => s.timersPending],
  ['stead_output_gate_backlog', 'Commits in flight whose outputs wait at an output gate', (s) => s.gateBacklog],
  ['stead_store_pending_writes', 'Writes waiting for or inside a store transaction', (s) => s.storePending],
];

/** Counted events by name prefix: one labelled counter each, its label from the rest of the name. */
const LABELLED = [
  { prefix: 'STEAD_E_', name: 'stead_errors_total', help: 'Errors answered or met, by code', label: 'code', keepPrefix: true },
  { prefix: 'dropped.', name: 'stead_dropped_frames_total', help: 'Frames dropped without an answer, by reason', label: 'reason', keepPrefix: false },
  // Reasons are a closed set (auth-hooks.ts): unknown, revoked, expired, replayed, forged, publish, subscribe…
  { prefix: 'auth.refused.', name: 'stead_auth_refused_total', help: 'Connections, publishes and subscriptions refused by authorization, by reason', label: 'reason', keepPrefix: false },
] as const;

const PLAIN = [
  ['frames.in', 'stead_frames_received_total', 'Frames received on request topics'],
  ['proxies.created', 'stead_proxies_created_total', 'Proxies created in memory'],
  ['sessions.swept', 'stead_sessions_swept_total', 'Idle sessions removed by the broker'],
  ['auth.closed_revoked', 'stead_auth_revoked_connections_closed_total', 'Connections closed because their key was revoked'],
] as const;

/**
 * `/metrics` in Prometheus' text format (prom-client's registry). Everything is read when
 * scraped: gauges and distributions from one fleet sample, counters and latencies from the
 * event feed. Labels are error codes and drop reasons, both closed sets: cardinality is bounded.
 */
export class PrometheusExporter {
  readonly registry = new Registry();
  readonly #sources: ExporterSources;
  #sample: FleetSample = EMPTY;

  constructor(sources: ExporterSources) {
    this.#sources = sources;
    const registers = [this.registry];
    const read = (): FleetSample => this.#sample;
    for (const [name, help, get] of GAUGES) {
      new Gauge({ name, help, registers, collect() { this.set(get(read())); } });
    }
    const counts = (): Record<string, number> => sources.metrics.snapshot();
    for (const { prefix, name, help, label, keepPrefix } of LABELLED) {
      new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [event, n] of Object.entries(counts())) {
            if (event.startsWith(prefix)) this.inc({ [label]: keepPrefix ? event : event.slice(prefix.length) }, n);
          }
        },
      });
    }
    for (const [event, name, help] of PLAIN) {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(sources.metrics.get(event)); } });
    }
    const feed = (event: Observed) => () => {
      const h = sources.metrics.histogram(event);
      return { cumulative: h.cumulative(), sum: h.sum, count: h.count };
    };
    new FeedHistogram(this.registry, 'stead_call_duration_seconds', 'Calls from arrival to reply released', LATENCY_BUCKETS, feed('call'));
    new FeedHistogram(this.registry, 'stead_store_commit_duration_seconds', 'Store transactions (group commits)', LATENCY_BUCKETS, feed('commit'));
    new FeedHistogram(this.registry, 'stead_store_group_commit_size', 'Proxy writes per store transaction', BATCH_BUCKETS, feed('batch'));
    new FeedHistogram(this.registry, 'stead_proxy_inbox_depth', 'Hosted proxies by messages in their inbox (now)', DEPTH_BUCKETS, () => distribution(DEPTH_BUCKETS, read().inboxDepths));
    new FeedHistogram(this.registry, 'stead_session_queue_depth', 'Sessions by notifications not yet acknowledged (now)', DEPTH_BUCKETS, () => distribution(DEPTH_BUCKETS, read().queueDepths));
    new Counter({ name: 'stead_store_commits_total', help: 'Proxy writes committed or attempted', registers, collect() { this.reset(); this.inc(sources.metrics.histogram('batch').sum); } });
    new Gauge({ name: 'stead_store_last_success_timestamp_seconds', help: 'When a store transaction last succeeded', registers, collect() { this.set(sources.store().lastSuccessAt / 1000); } });
    new Gauge({ name: 'stead_start_time_seconds', help: 'When the broker started', registers, collect() { this.set(sources.startedAt / 1000); } });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One fleet sample for the whole scrape, then the text: the process's metrics, then Stead's. */
  async scrape(): Promise<string> {
    this.#sample = this.#sources.sample();
    try {
      return `${await processRegistry().metrics()}\n${await this.registry.metrics()}`;
    } finally {
      this.#sample = EMPTY;
    }
  }
}
