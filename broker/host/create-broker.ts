import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../../shared/clock.js';
import { SteadError } from '../../shared/errors.js';
import { LIMITS, type Limits } from '../../shared/limits.js';
import { systemRandom, type Random } from '../../shared/random.js';
import { createTopics, DEFAULT_ROOT } from '../../shared/topics.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { ProxyRuntime } from '../runtime/runtime.js';
import { GroupCommitter } from '../store/group-commit.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { directionGuard } from './direction-guard.js';
import type { HttpListener } from '../http/http-listener.js';
import { Metrics } from '../metrics/event-feed.js';
import { startObservability } from './observability.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';

export interface BrokerOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one; default 1883. */
  port?: number;
  /** Topic root; default `stead`. */
  root?: string;
  apps?: readonly ProxyType[];
  /** A store, or its URL (`memory:`); default `memory:`. */
  store?: Store | string;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  limits?: Partial<Limits>;
  /** `host:port` of the HTTP listener (`/metrics`, `/healthz`, admin API, dashboard); off unless set. */
  http?: string;
  /** The admin credential of the HTTP listener's admin API and dashboard (until issue 8's admin role). */
  adminToken?: string;
  /** Interval of the dashboard's charts and status rates, in ms; default 1000. */
  historyEveryMs?: number;
  /** How refusals are rate-limited in the log. */
  refusalLog?: RefusalLogOptions;
}

export interface SteadBroker {
  readonly host: string;
  readonly port: number;
  /** `mqtt://host:port`, for devices. */
  readonly url: string;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly aedes: Aedes;
  /** The HTTP listener, when `http` was given. */
  readonly http: HttpListener | null;
  /** Drains every inbox and pending commit, disconnects clients, closes the store. */
  close(): Promise<void>;
}

/** Starts aedes on a TCP listener with the proxy runtime attached to the request topics. */
export async function createBroker(options: BrokerOptions = {}): Promise<SteadBroker> {
  const log = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
  const limits = resolveLimits(options.limits);
  const topics = createTopics(options.root ?? DEFAULT_ROOT);
  const store = typeof options.store === 'object' ? options.store : await openStore(options.store ?? 'memory:');
  const metrics = new Metrics();
  const refusals = new RefusalLog(log, options.refusalLog);
  const committer = new GroupCommitter(store, {
    onBatch: (writes, seconds) => {
      metrics.observe('batch', writes);
      metrics.observe('commit', seconds);
    },
  });
  const aedes = await Aedes.createBroker(directionGuard(topics, () => metrics.count('dropped.bad_topic')));
  const publish = (topic: string, payload: Uint8Array): void => {
    aedes.publish({ cmd: 'publish', topic, payload: payload as Buffer, qos: 1, retain: false, dup: false }, noop);
  };
  const runtime = new ProxyRuntime({
    apps: options.apps ?? [],
    store,
    committer,
    topics,
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
    limits,
    log,
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
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    // Without NODELAY a request/response round trip waits on Nagle + delayed ACK (~40 ms).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  const host = options.host ?? '127.0.0.1';
  // A port in use, say: what was opened for this broker is closed again (a store it was given is the caller's).
  const abandon = async (error: unknown): Promise<never> => {
    server.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (typeof options.store !== 'object') await store.close();
    refusals.stop();
    throw error;
  };
  await listen(server, host, options.port ?? 1883).catch(abandon);
  const address = server.address();
  if (!address || typeof address === 'string') throw new SteadError('BAD_OPTIONS', 'listener has no TCP address');
  const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const fleet = { runtime, aedes, committer, store, metrics, mqtt: server, mqttUrl: url, startedAt: Date.now() };
  const http = options.http === undefined ? null : await startObservability({ http: options.http, adminToken: options.adminToken, historyEveryMs: options.historyEveryMs }, fleet, log).catch(abandon);
  await runtime.wakeDue();
  log.info({ host, port: address.port, store: store.url, apps: (options.apps ?? []).map((a) => a.name) }, 'stead broker listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    server.close();
    await http?.close();
    await runtime.drain();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await store.close();
    refusals.stop();
    log.info('stead broker closed');
  };
  return {
    host,
    port: address.port,
    url,
    metrics,
    store,
    committer,
    aedes,
    http,
    close: () => (closing ??= close()),
  };
}

/**
 * A fleet reconnecting after a restart arrives at once: with Node's default backlog (511) the
 * kernel dropped SYNs while the event loop was busy, and those devices waited for TCP's SYN
 * retransmission (1 s, 3 s …) on top of their backoff. The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

async function listen(server: Server, host: string, port: number): Promise<void> {
  server.listen({ port, host, backlog: LISTEN_BACKLOG });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
}

function noop(): void {}

/** Every limit from the options, over the defaults; each checked once, here (BAD_OPTIONS). */
function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new SteadError('BAD_OPTIONS', `limits.${name} must be a positive integer`);
  }
  // The codec holds every side to the default depth; a broker may only ask for less.
  if (limits.maxValueDepth > LIMITS.maxValueDepth) throw new SteadError('BAD_OPTIONS', `limits.maxValueDepth is at most ${LIMITS.maxValueDepth}`);
  if (limits.replyCacheSize < limits.maxWindow) throw new SteadError('BAD_OPTIONS', 'limits.replyCacheSize must hold at least limits.maxWindow replies');
  return limits;
}
