import type { Aedes } from 'aedes';
import { SteadError } from '../../shared/errors.js';
import { parseOptions } from '../../shared/options.js';
import type { CommitListener } from '../proxy/commit-events.js';
import type { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/types.js';
import type { BrokerAuth } from '../auth/index.js';
import type { HttpListener } from '../http/http-listener.js';
import type { Metrics } from '../metrics/event-feed.js';
import { brokerOptionsSchema, type BrokerOptions } from './broker-options.js';
import { BROKER_STEPS, BrokerParts } from './broker-steps.js';
import { runSteps } from './lifecycle.js';
import type { BoundListener } from './listeners.js';

export type { BrokerOptions } from './broker-options.js';

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

/**
 * Starts aedes on its listeners (TCP, TLS, WebSocket) with the proxy runtime attached to the
 * request topics: the steps of broker-steps.ts, in order. Options that break their schema are a
 * BAD_OPTIONS naming each field; a start that fails at a step undoes the steps before it.
 */
export async function createBroker(given: BrokerOptions = {}): Promise<SteadBroker> {
  const b = new BrokerParts(parseOptions(brokerOptionsSchema, given, 'BAD_OPTIONS'));
  const stop = await runSteps(BROKER_STEPS, b, (step, error) => b.log.warn({ err: error, step }, 'a start-up step did not undo cleanly'));
  b.started = true;
  const { first, bound } = b.listeners;
  const apps = (b.options.apps ?? []).map((a) => a.name);
  b.log.info({ host: first.host, port: first.port, listeners: bound.map((l) => l.url), store: b.store.url, apps }, 'stead broker listening');
  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    await stop();
    b.log.info('stead broker closed');
  };
  return {
    host: first.host,
    port: first.port,
    url: first.url,
    listeners: bound,
    metrics: b.metrics,
    store: b.store,
    committer: b.committer,
    aedes: b.aedes,
    on: (event, listener) => b.commits.on(brokerEvent(event, listener)),
    off: (event, listener) => b.commits.off(brokerEvent(event, listener)),
    auth: b.auth,
    http: b.http,
    close: () => (closing ??= close()),
  };
}

/** The listener of a known event (BAD_OPTIONS for another name: JavaScript callers have no types). */
function brokerEvent(event: string, listener: CommitListener): CommitListener {
  if (event !== 'commit') throw new SteadError('BAD_OPTIONS', `unknown broker event ${String(event)}`);
  if (typeof listener !== 'function') throw new SteadError('BAD_OPTIONS', 'an event listener is a function');
  return listener;
}
