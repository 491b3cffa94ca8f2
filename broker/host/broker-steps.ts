import { Aedes } from 'aedes';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../../shared/clock.js';
import { DEFAULT_ROOT } from '../../shared/defaults.js';
import type { Limits } from '../../shared/limits.js';
import { systemRandom } from '../../shared/random.js';
import { createTopics, type Topics } from '../../shared/topics.js';
import { BrokerAuth } from '../auth/index.js';
import type { HttpListener } from '../http/http-listener.js';
import { Metrics } from '../metrics/event-feed.js';
import { CommitEvents } from '../proxy/commit-events.js';
import type { BlobSeal } from '../record/blob-seal.js';
import { ProxyRuntime } from '../runtime/runtime.js';
import { GroupCommitter } from '../store/group-commit.js';
import { isStore, openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { resolveBlobSeal } from './blob-key.js';
import { resolveLimits, type BrokerOptions } from './broker-options.js';
import type { LifecycleStep } from './lifecycle.js';
import { Connections, openListeners, type Listeners } from './listeners.js';
import { startObservability } from './observability.js';
import { packetCap, type OversizeListener } from './packet-size-guard.js';
import { aedesOptions } from './aedes-options.js';
import { connectionIntake } from './connection-intake.js';
import { resolveConnectionLimits, type ConnectionLimits } from './connection-limits.js';
import { RefusalLog } from './refusal-log.js';

/**
 * What a broker is made of. The parts that hold nothing open are made from the options at once;
 * the others are made by the start steps below, in their order, and each is read only by the
 * steps after the one that made it.
 */
export class BrokerParts {
  readonly log: Logger;
  readonly limits: Limits;
  readonly topics: Topics;
  readonly clock: Clock;
  readonly metrics = new Metrics();
  readonly commits: CommitEvents;
  readonly connections = new Connections();
  /** Bounds on connections before and after they authenticate (connection-limits.ts). */
  readonly connectionLimits: ConnectionLimits;
  readonly startedAt = Date.now();
  /** Set once every step has started: from then on the broker's close closes a store it was given too. */
  started = false;
  blobSeal: BlobSeal | null = null;
  refusals!: RefusalLog;
  store!: Store;
  committer!: GroupCommitter;
  aedes!: Aedes;
  auth!: BrokerAuth;
  runtime!: ProxyRuntime;
  listeners!: Listeners;
  http: HttpListener | null = null;

  constructor(readonly options: BrokerOptions) {
    this.log = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
    this.limits = resolveLimits(options.limits);
    this.connectionLimits = resolveConnectionLimits(options.connections);
    this.topics = createTopics(options.root ?? DEFAULT_ROOT);
    this.clock = options.clock ?? systemClock;
    this.commits = new CommitEvents((err, event) => {
      this.metrics.count('commit_listener.failed');
      this.log.warn({ err, proxy: `${event.app}/${event.id}` }, 'commit listener failed');
    });
  }

  publish(topic: string, payload: Uint8Array): void {
    this.aedes.publish({ cmd: 'publish', topic, payload: payload as Buffer, qos: 1, retain: false, dup: false }, noop);
  }
}

type BrokerStep = LifecycleStep<BrokerParts>;

/**
 * The broker's lifecycle, one list (docs/operations.md, start-up and shutdown): start-up runs
 * it top to bottom, shutdown bottom to top, and a start-up that fails at a step undoes the
 * steps above it, last first, so that nothing stays open.
 */
export const BROKER_STEPS: readonly BrokerStep[] = [
  // Before anything opens: a missing or bad key leaves nothing to close.
  { name: 'blob key', start: (b) => void (b.blobSeal = resolveBlobSeal(b.options.blobKey, b.options.apps ?? [])) },
  { name: 'refusal log', start: (b) => void (b.refusals = new RefusalLog(b.log, b.options.refusalLog)), stop: (b) => b.refusals.stop() },
  { name: 'store', start: openOwnStore, stop: closeStore },
  // Sockets still open once aedes has closed its clients (a TLS handshake, a WebSocket upgrade).
  { name: 'connections', start: noop, stop: (b) => b.connections.destroy() },
  { name: 'aedes', start: startAedes, stop: (b) => new Promise<void>((resolve) => b.aedes.close(() => resolve())) },
  { name: 'auth', start: (b) => b.auth.start(b.aedes), stop: (b) => b.auth.close() },
  // Stopping drains every inbox and pending commit while the clients are still connected.
  { name: 'runtime', start: startRuntime, stop: (b) => b.runtime.drain() },
  { name: 'commit events', start: publishCommits },
  { name: 'listeners', start: startListeners, stop: (b) => b.listeners.stop() },
  { name: 'http', start: startHttp, stop: (b) => b.http?.close() },
  { name: 'due timers', start: (b) => b.runtime.wakeDue() },
];

async function openOwnStore(b: BrokerParts): Promise<void> {
  const { store, storeOptions, storeBaseDir } = b.options;
  b.store = isStore(store) ? store : await openStore(store ?? 'memory:', { options: storeOptions, baseDir: storeBaseDir });
  b.committer = new GroupCommitter(b.store, {
    onBatch: (writes, seconds) => {
      b.metrics.observe('batch', writes);
      b.metrics.observe('commit', seconds);
    },
  });
}

/** A store the broker opened is closed; one it was given is the caller's until the broker has started. */
async function closeStore(b: BrokerParts): Promise<void> {
  if (b.started || !isStore(b.options.store)) await b.store.close();
}

async function startAedes(b: BrokerParts): Promise<void> {
  const { metrics, refusals } = b;
  const host = { topics: b.topics, store: b.store, clock: b.clock, log: b.log, count: (event: string) => metrics.count(event), refusedConnect: refusals.connectRefused.bind(refusals) };
  b.auth = new BrokerAuth(host, b.options.auth ?? null);
  b.aedes = await Aedes.createBroker(aedesOptions(b.auth, b.connectionLimits, (event) => metrics.count(event)));
}

async function startRuntime(b: BrokerParts): Promise<void> {
  const { metrics, refusals } = b;
  b.runtime = new ProxyRuntime({
    apps: b.options.apps ?? [],
    store: b.store,
    committer: b.committer,
    topics: b.topics,
    clock: b.clock,
    random: b.options.random ?? systemRandom,
    limits: b.limits,
    log: b.log,
    idleTtlMs: b.options.sessionIdleTtlMs ?? null,
    commits: b.commits,
    blobSeal: b.blobSeal,
    count: (event) => metrics.count(event),
    observe: (event, seconds) => metrics.observe(event, seconds),
    refused: (code, proxy, session, nonce) => refusals.refused(code, proxy, session, nonce),
    publish: (topic, payload) => b.publish(topic, payload),
  });
  const runtime = b.runtime;
  await new Promise<void>((resolve) => {
    b.aedes.subscribe(b.topics.inboundFilter, (packet, done) => {
      runtime.dispatch(packet.topic, packet.payload as Buffer);
      done();
    }, resolve);
  });
}

function publishCommits(b: BrokerParts): void {
  if (!b.options.publishCommits) return;
  b.commits.on((event) => b.publish(b.topics.commitEvent(event.app, event.id), Buffer.from(JSON.stringify(event))));
}

async function startListeners(b: BrokerParts): Promise<void> {
  const { options, metrics, refusals, aedes } = b;
  // Every listener hands its connections to this one aedes, so its hooks apply to all of them.
  const specs = options.listeners ?? [{ host: options.host, port: options.port }];
  // Every connection's packets are capped before mqtt-packet buffers them (DESIGN §7); an oversize
  // one closes the connection (MQTT 3.1.1 has no reason code for it), counted and logged once.
  const cap = packetCap(b.limits.maxFrameBytes);
  const oversize: OversizeListener = (announced) => {
    metrics.count('dropped.oversize');
    refusals.refused('STEAD_E_FRAME_TOO_LARGE', 'mqtt', `packet of ${announced} bytes`, null);
  };
  const intake = connectionIntake(aedes, cap, b.connectionLimits, oversize, (event) => metrics.count(event));
  b.listeners = await openListeners(specs, intake.handle, intake.ws, b.connections);
}

async function startHttp(b: BrokerParts): Promise<void> {
  const { options, listeners } = b;
  if (options.http === undefined) return;
  const { first } = listeners;
  const fleet = {
    runtime: b.runtime,
    aedes: b.aedes,
    committer: b.committer,
    store: b.store,
    metrics: b.metrics,
    mqtt: { host: first.host, port: first.port, listening: () => listeners.listening() },
    mqttUrl: first.url,
    startedAt: b.startedAt,
  };
  b.http = await startObservability({ http: options.http, adminToken: options.adminToken, hosts: options.httpHosts, historyEveryMs: options.historyEveryMs }, fleet, b.log);
}

function noop(): void {}
