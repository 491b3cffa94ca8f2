import { Aedes } from 'aedes';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { LIMITS, type Limits } from '../../shared/limits.js';
import { systemRandom, type Random } from '../../shared/random.js';
import { createTopics, DEFAULT_ROOT } from '../../shared/topics.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { CommitEvents, type CommitListener } from '../proxy/commit-events.js';
import { ProxyRuntime } from '../runtime/runtime.js';
import { GroupCommitter } from '../store/group-commit.js';
import { isStore, openStore, type StoreOptions } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { BrokerAuth, type AuthOptions } from '../auth/index.js';
import type { HttpListener } from '../http/http-listener.js';
import { Metrics } from '../metrics/event-feed.js';
import { openListeners, type BoundListener, type ListenerOptions, type Listeners } from './listeners.js';
import { startObservability } from './observability.js';
import { packetCap, PacketSizeGuard, type OversizeListener } from './packet-size-guard.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
import { resolveBlobSeal } from './blob-key.js';

export interface BrokerOptions {
  /** Interface to listen on; default 127.0.0.1. Ignored when `listeners` is given. */
  host?: string;
  /** TCP port; 0 picks a free one; default 1883. Ignored when `listeners` is given. */
  port?: number;
  /**
   * Every listener (MQTT over TCP, TLS, WebSocket, secure WebSocket), all feeding the one aedes
   * instance; default one `mqtt` listener on `host` and `port`.
   */
  listeners?: readonly ListenerOptions[];
  /** Topic root; default `stead`. */
  root?: string;
  apps?: readonly ProxyType[];
  /** A store, or its URL (`memory:`); default `memory:`. */
  store?: Store | string;
  /** Options for the store's factory (the config file's `store.options`); only with a URL. */
  storeOptions?: StoreOptions;
  /** The folder a relative path in the store URL resolves against; default the working directory. */
  storeBaseDir?: string;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  limits?: Partial<Limits>;
  /**
   * Identity and authorization (DESIGN §7, docs/identity.md): given, every CONNECT must prove a
   * key of the registry in the store. Absent, the broker is open, as a library default for tests
   * and embedding; `stead broker` always passes it.
   */
  auth?: AuthOptions;
  /**
   * Sessions not seen (begun, called, acknowledged) for this long are removed from their proxy
   * by the broker (docs/sessions.md, idle sessions); default: never.
   */
  sessionIdleTtlMs?: number;
  /** Publish each durable commit on `<root>/$events/commit/<app>/<id>` for admin clients; default off. */
  publishCommits?: boolean;
  /** `host:port` of the HTTP listener (`/metrics`, `/healthz`, admin API, dashboard); off unless set. */
  http?: string;
  /** The admin credential of the HTTP listener's admin API and dashboard (until issue 8's admin role). */
  adminToken?: string;
  /** Interval of the dashboard's charts and status rates, in ms; default 1000. */
  historyEveryMs?: number;
  /** How refusals are rate-limited in the log. */
  refusalLog?: RefusalLogOptions;
  /**
   * The key that seals session blobs (DESIGN §7, docs/sessions.md): 32 bytes, or a file holding
   * them (raw or base64), or their base64. Needed when an app keeps blobs.
   */
  blobKey?: Uint8Array | string;
}

/** The broker's events, typed (STYLE §10). */
export interface BrokerEvents {
  /** A proxy's commit is durable (told after the store confirmed). */
  commit: CommitListener;
}

export interface SteadBroker {
  /** The first listener's host, port and url (`mqtt://host:port`, for devices). */
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Every listener as bound (port 0 resolved), in the order given. */
  readonly listeners: readonly BoundListener[];
  readonly metrics: Metrics;
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly aedes: Aedes;
  /** The key registry and the hooks that check it; `auth.keys` is null on an open broker. */
  readonly auth: BrokerAuth;
  /** Watches the broker's events; nothing is built for an event kind nobody watches. */
  on<E extends keyof BrokerEvents>(event: E, listener: BrokerEvents[E]): void;
  off<E extends keyof BrokerEvents>(event: E, listener: BrokerEvents[E]): void;
  /** The HTTP listener, when `http` was given. */
  readonly http: HttpListener | null;
  /** Drains every inbox and pending commit, disconnects clients, closes the store. */
  close(): Promise<void>;
}

/** Starts aedes on its listeners (TCP, TLS, WebSocket) with the proxy runtime attached to the request topics. */
export async function createBroker(options: BrokerOptions = {}): Promise<SteadBroker> {
  const log = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
  const limits = resolveLimits(options.limits);
  const topics = createTopics(options.root ?? DEFAULT_ROOT);
  // Before the store opens: a missing or bad key leaves nothing to close.
  const blobSeal = resolveBlobSeal(options.blobKey, options.apps ?? []);
  const given = isStore(options.store) ? options.store : null;
  const url = typeof options.store === 'string' ? options.store : 'memory:';
  const store = given ?? (await openStore(url, { options: options.storeOptions, baseDir: options.storeBaseDir }));
  const metrics = new Metrics();
  const refusals = new RefusalLog(log, options.refusalLog);
  const committer = new GroupCommitter(store, {
    onBatch: (writes, seconds) => {
      metrics.observe('batch', writes);
      metrics.observe('commit', seconds);
    },
  });
  const idleTtlMs = resolveIdleTtl(options.sessionIdleTtlMs);
  const commits = new CommitEvents((err, event) => {
    metrics.count('commit_listener.failed');
    log.warn({ err, proxy: `${event.app}/${event.id}` }, 'commit listener failed');
  });
  const clock = options.clock ?? systemClock;
  const auth = new BrokerAuth({ topics, store, clock, log, count: (event) => metrics.count(event) }, options.auth ?? null);
  const aedes = await Aedes.createBroker(auth.hooks());
  await auth.start(aedes);
  const publish = (topic: string, payload: Uint8Array): void => {
    aedes.publish({ cmd: 'publish', topic, payload: payload as Buffer, qos: 1, retain: false, dup: false }, noop);
  };
  const runtime = new ProxyRuntime({
    apps: options.apps ?? [],
    store,
    committer,
    topics,
    clock,
    random: options.random ?? systemRandom,
    limits,
    log,
    idleTtlMs,
    commits,
    blobSeal,
    count: (event) => metrics.count(event),
    observe: (event, seconds) => metrics.observe(event, seconds),
    refused: (code, proxy, session, nonce) => refusals.refused(code, proxy, session, nonce),
    publish,
  });
  await new Promise<void>((resolve) => {
    aedes.subscribe(topics.inboundFilter, (packet, done) => {
      runtime.dispatch(packet.topic, packet.payload as Buffer);
      done();
    }, resolve);
  });
  if (options.publishCommits) {
    commits.on((event) => publish(topics.commitEvent(event.app, event.id), Buffer.from(JSON.stringify(event))));
  }
  let listeners: Listeners | null = null;
  // A port in use, say: what was opened for this broker is closed again (a store it was given is the caller's).
  const abandon = async (error: unknown): Promise<never> => {
    listeners?.stop();
    listeners?.destroy();
    auth.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (!given) await store.close();
    refusals.stop();
    throw error;
  };
  // Every listener hands its connections to this one aedes, so its hooks apply to all of them.
  const specs = options.listeners ?? [{ host: options.host, port: options.port }];
  // Issue 8: every connection's packets are capped before mqtt-packet buffers them; an oversize
  // one closes the connection (MQTT 3.1.1 has no reason code for it), counted and logged once.
  const cap = packetCap(limits.maxFrameBytes);
  const oversize: OversizeListener = (announced) => {
    metrics.count('dropped.oversize');
    refusals.refused('STEAD_E_FRAME_TOO_LARGE', 'mqtt', `packet of ${announced} bytes`, null);
  };
  listeners = await openListeners(specs, (stream) => aedes.handle(new PacketSizeGuard(stream, cap, oversize))).catch(abandon);
  const open = listeners;
  const { first } = open;
  const fleet = { runtime, aedes, committer, store, metrics, mqtt: { host: first.host, port: first.port, listening: () => open.listening() }, mqttUrl: first.url, startedAt: Date.now() };
  const http = options.http === undefined ? null : await startObservability({ http: options.http, adminToken: options.adminToken, historyEveryMs: options.historyEveryMs }, fleet, log).catch(abandon);
  await runtime.wakeDue();
  const apps = (options.apps ?? []).map((a) => a.name);
  log.info({ host: first.host, port: first.port, listeners: open.bound.map((l) => l.url), store: store.url, apps }, 'stead broker listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    open.stop();
    auth.close();
    await http?.close();
    await runtime.drain();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    open.destroy();
    await store.close();
    refusals.stop();
    log.info('stead broker closed');
  };
  return {
    host: first.host,
    port: first.port,
    url: first.url,
    listeners: open.bound,
    metrics,
    store,
    committer,
    aedes,
    on: (event, listener) => commits.on(brokerEvent(event, listener)),
    off: (event, listener) => commits.off(brokerEvent(event, listener)),
    auth,
    http,
    close: () => (closing ??= close()),
  };
}

function noop(): void {}

/** The listener of a known event (BAD_OPTIONS for another name: JavaScript callers have no types). */
function brokerEvent(event: string, listener: CommitListener): CommitListener {
  if (event !== 'commit') throw new SteadError('BAD_OPTIONS', `unknown broker event ${String(event)}`);
  if (typeof listener !== 'function') throw new SteadError('BAD_OPTIONS', 'an event listener is a function');
  return listener;
}

/** The idle TTL: a positive number of milliseconds, or none (BAD_OPTIONS otherwise). */
function resolveIdleTtl(ttl: number | undefined): number | null {
  if (ttl === undefined) return null;
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new SteadError('BAD_OPTIONS', 'sessionIdleTtlMs must be a positive integer (milliseconds)');
  return ttl;
}
/** Bytes of a reply frame around a resource value (header, ref, seq), rounded up. */
const RESOURCE_FRAME_MARGIN = 64;

/** Every limit from the options, over the defaults; each checked once, here (BAD_OPTIONS). */
function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const maxFrameBytes = overrides.maxFrameBytes ?? LIMITS.maxFrameBytes;
  // Left unset, the resource size follows a smaller frame size (a SOURCE answers in one frame).
  const maxResourceBytes = Math.max(1, Math.min(LIMITS.maxResourceBytes, maxFrameBytes - RESOURCE_FRAME_MARGIN));
  const limits: Limits = { ...LIMITS, maxResourceBytes, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new SteadError('BAD_OPTIONS', `limits.${name} must be a positive integer`);
  }
  // The codec holds every side to the default depth; a broker may only ask for less.
  if (limits.maxValueDepth > LIMITS.maxValueDepth) throw new SteadError('BAD_OPTIONS', `limits.maxValueDepth is at most ${LIMITS.maxValueDepth}`);
  if (limits.replyCacheSize < limits.maxWindow) throw new SteadError('BAD_OPTIONS', 'limits.replyCacheSize must hold at least limits.maxWindow replies');
  // A record holds the state and at least a frame of bookkeeping: a state within its bound must fit.
  if (limits.maxRecordBytes < limits.maxStateBytes + limits.maxFrameBytes) {
    throw new SteadError('BAD_OPTIONS', 'limits.maxRecordBytes must hold limits.maxStateBytes and one limits.maxFrameBytes more');
  }
  // A SOURCE answers a resource in one reply frame (DESIGN §6): it must fit, with the frame around it.
  if (overrides.maxResourceBytes !== undefined && limits.maxResourceBytes + RESOURCE_FRAME_MARGIN > limits.maxFrameBytes) {
    throw new SteadError('BAD_OPTIONS', `limits.maxResourceBytes must leave ${RESOURCE_FRAME_MARGIN} bytes of limits.maxFrameBytes for the reply frame`);
  }
  return limits;
}
