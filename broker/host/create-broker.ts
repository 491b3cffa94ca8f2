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
import { isStore, openStore, type StoreOptions } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { directionGuard } from './direction-guard.js';
import { openListeners, type BoundListener, type ListenerOptions } from './listeners.js';
import { Metrics } from './metrics.js';

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
  /** Drains every inbox and pending commit, disconnects clients, closes the store. */
  close(): Promise<void>;
}

/** Starts aedes on its listeners (TCP, TLS, WebSocket) with the proxy runtime attached to the request topics. */
export async function createBroker(options: BrokerOptions = {}): Promise<SteadBroker> {
  const log = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
  const limits = resolveLimits(options.limits);
  const topics = createTopics(options.root ?? DEFAULT_ROOT);
  const given = isStore(options.store) ? options.store : null;
  const url = typeof options.store === 'string' ? options.store : 'memory:';
  const store = given ?? (await openStore(url, { options: options.storeOptions, baseDir: options.storeBaseDir }));
  const committer = new GroupCommitter(store);
  const metrics = new Metrics();
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
    publish,
  });
  await new Promise<void>((resolve) => {
    aedes.subscribe(topics.inboundFilter, (packet, done) => {
      runtime.dispatch(packet.topic, packet.payload as Buffer);
      done();
    }, resolve);
  });
  // Every listener hands its connections to this one aedes, so its hooks apply to all of them.
  const specs = options.listeners ?? [{ host: options.host, port: options.port }];
  const listeners = await openListeners(specs, (stream) => aedes.handle(stream)).catch(async (error: unknown) => {
    // A port in use, say: what was opened for this broker is closed again (a store it was given is the caller's).
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (!given) await store.close();
    throw error;
  });
  const { first } = listeners;
  await runtime.wakeDue();
  const apps = (options.apps ?? []).map((a) => a.name);
  log.info({ host: first.host, port: first.port, listeners: listeners.bound.map((l) => l.url), store: store.url, apps }, 'stead broker listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    listeners.stop();
    await runtime.drain();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    listeners.destroy();
    await store.close();
    log.info('stead broker closed');
  };
  return {
    host: first.host,
    port: first.port,
    url: first.url,
    listeners: listeners.bound,
    metrics,
    store,
    committer,
    aedes,
    close: () => (closing ??= close()),
  };
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
