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
import { CommitEvents, type CommitListener } from '../proxy/commit-events.js';
import { ProxyRuntime } from '../runtime/runtime.js';
import { GroupCommitter } from '../store/group-commit.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { resolveBlobSeal } from './blob-key.js';
import { directionGuard } from './direction-guard.js';
import { Metrics } from './metrics.js';

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
  /**
   * Sessions not seen (begun, called, acknowledged) for this long are removed from their proxy
   * by the broker (docs/sessions.md, idle sessions); default: never.
   */
  sessionIdleTtlMs?: number;
  /** Publish each durable commit on `<root>/$events/commit/<app>/<id>` for admin clients; default off. */
  publishCommits?: boolean;
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
  readonly host: string;
  readonly port: number;
  /** `mqtt://host:port`, for devices. */
  readonly url: string;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly aedes: Aedes;
  /** Watches the broker's events; nothing is built for an event kind nobody watches. */
  on<E extends keyof BrokerEvents>(event: E, listener: BrokerEvents[E]): void;
  off<E extends keyof BrokerEvents>(event: E, listener: BrokerEvents[E]): void;
  /** Drains every inbox and pending commit, disconnects clients, closes the store. */
  close(): Promise<void>;
}

/** Starts aedes on a TCP listener with the proxy runtime attached to the request topics. */
export async function createBroker(options: BrokerOptions = {}): Promise<SteadBroker> {
  const log = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
  const limits = resolveLimits(options.limits);
  const topics = createTopics(options.root ?? DEFAULT_ROOT);
  // Before the store opens: a missing or bad key leaves nothing to close.
  const blobSeal = resolveBlobSeal(options.blobKey, options.apps ?? []);
  const store = typeof options.store === 'object' ? options.store : await openStore(options.store ?? 'memory:');
  const committer = new GroupCommitter(store);
  const metrics = new Metrics();
  const idleTtlMs = resolveIdleTtl(options.sessionIdleTtlMs);
  const commits = new CommitEvents((err, event) => {
    metrics.count('commit_listener.failed');
    log.warn({ err, proxy: `${event.app}/${event.id}` }, 'commit listener failed');
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
    idleTtlMs,
    commits,
    blobSeal,
    count: (event) => metrics.count(event),
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
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    // Without NODELAY a request/response round trip waits on Nagle + delayed ACK (~40 ms).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await listen(server, host, options.port ?? 1883);
  } catch (error) {
    // A port in use, say: what was opened for this broker is closed again (a store it was given is the caller's).
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (typeof options.store !== 'object') await store.close();
    throw error;
  }
  const address = server.address();
  if (!address || typeof address === 'string') throw new SteadError('BAD_OPTIONS', 'listener has no TCP address');
  await runtime.wakeDue();
  log.info({ host, port: address.port, store: store.url, apps: (options.apps ?? []).map((a) => a.name) }, 'stead broker listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    server.close();
    await runtime.drain();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await store.close();
    log.info('stead broker closed');
  };
  return {
    host,
    port: address.port,
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    metrics,
    store,
    committer,
    aedes,
    on: (event, listener) => commits.on(brokerEvent(event, listener)),
    off: (event, listener) => commits.off(brokerEvent(event, listener)),
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
  // A SOURCE answers a resource in one reply frame (DESIGN §6): it must fit, with the frame around it.
  if (overrides.maxResourceBytes !== undefined && limits.maxResourceBytes + RESOURCE_FRAME_MARGIN > limits.maxFrameBytes) {
    throw new SteadError('BAD_OPTIONS', `limits.maxResourceBytes must leave ${RESOURCE_FRAME_MARGIN} bytes of limits.maxFrameBytes for the reply frame`);
  }
  return limits;
}
