/**
 * The broker's options and their one schema (docs/config.md). `createBroker` and `startBroker`
 * check what they are given with it (BAD_OPTIONS), `stead broker`'s flags become these options
 * and are checked the same way, and `stead.json`'s schema (config/config-schema.ts) is built from
 * the same field schemas (BAD_CONFIG). Nothing after this check validates an option again.
 */
import * as z from 'zod/mini';
import type { LevelWithSilent, Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { LIMITS, type Limits } from '../../shared/limits.js';
import { clockSchema, definedOnly, expected, instance, isObject, limitsSchema, nonEmptyString, optionsSchema, port, positiveInteger, randomSchema, rootSchema, wholeNumber } from '../../shared/options.js';
import type { Random } from '../../shared/random.js';
import { isProxyType, type ProxyType } from '../apps/define-proxy.js';
import { authOptionsSchema, type AuthOptions } from '../auth/index.js';
import { parseHostPort } from '../http/http-listener.js';
import type { ConnectionOptions } from './connection-limits.js';
import { isStore, type StoreOptions } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import type { ListenerOptions } from './listeners.js';
import type { RefusalLogOptions } from './refusal-log.js';

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
  /** The admin credential of the HTTP listener's admin API and dashboard: at least 32 characters. */
  adminToken?: string;
  /** Host names the HTTP listener answers to besides loopback and its own host (DNS rebinding check). */
  httpHosts?: readonly string[];
  /** Bounds on connections: connect timeout, pending caps, keepalive limit, offline queues (connection-limits.ts). */
  connections?: ConnectionOptions;
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

/** The fields of the shape below, each its own schema, shared with `stead.json`'s. */
export const path = nonEmptyString('a path');
export const hostPortSchema = z.string(expected('host:port')).check(z.refine((value) => parseHostPort(value) !== null, expected('host:port')));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LevelWithSilent[];
export const logLevelSchema = z.enum(LOG_LEVELS, expected(`one of ${LOG_LEVELS.join(', ')}`));
export const adminTokenSchema = z.string(expected('a token')).check(z.minLength(32, expected('a token of at least 32 characters')));
export const httpHostsSchema = z.array(nonEmptyString('a host name'), expected('an array of host names'));
export const connectionsSchema = optionsSchema<ConnectionOptions>(
  {
    connectTimeoutMs: z.optional(positiveInteger),
    maxPending: z.optional(positiveInteger),
    maxPendingPerAddress: z.optional(positiveInteger),
    keepaliveLimitSec: z.optional(wholeNumber),
    offlineQueueMessages: z.optional(positiveInteger),
    offlineQueueBytes: z.optional(positiveInteger),
  },
  'an object { connectTimeoutMs, maxPending, maxPendingPerAddress, keepaliveLimitSec, offlineQueueMessages, offlineQueueBytes }',
);

/** Bytes of a reply frame around a resource value (header, ref, seq), rounded up. */
const RESOURCE_FRAME_MARGIN = 64;

/** Every limit from the options over the defaults (checked by `brokerLimitsSchema`). */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const maxFrameBytes = overrides.maxFrameBytes ?? LIMITS.maxFrameBytes;
  // Left unset, the resource size follows a smaller frame size (a SOURCE answers in one frame).
  const maxResourceBytes = Math.max(1, Math.min(LIMITS.maxResourceBytes, maxFrameBytes - RESOURCE_FRAME_MARGIN));
  return { ...LIMITS, maxResourceBytes, ...definedOnly(overrides) };
}

/** Each limit a positive integer (the shared schema), and how the broker's limits relate. */
export const brokerLimitsSchema = limitsSchema.check(
  z.superRefine((overrides, context) => {
    const limits = resolveLimits(overrides);
    const problem = (field: keyof Limits, message: string): void => void context.addIssue({ code: 'custom', path: [field], message, input: overrides });
    // The codec holds every side to the default depth; a broker may only ask for less.
    if (limits.maxValueDepth > LIMITS.maxValueDepth) problem('maxValueDepth', `at most ${LIMITS.maxValueDepth}`);
    if (limits.replyCacheSize < limits.maxWindow) problem('replyCacheSize', 'must hold at least limits.maxWindow replies');
    // A record holds the state and at least a frame of bookkeeping: a state within its bound must fit.
    if (limits.maxRecordBytes < limits.maxStateBytes + limits.maxFrameBytes) problem('maxRecordBytes', 'must hold limits.maxStateBytes and one limits.maxFrameBytes more');
    // A SOURCE answers a resource in one reply frame (DESIGN §6): it must fit, with the frame around it.
    if (overrides.maxResourceBytes !== undefined && limits.maxResourceBytes + RESOURCE_FRAME_MARGIN > limits.maxFrameBytes) {
      problem('maxResourceBytes', `must leave ${RESOURCE_FRAME_MARGIN} bytes of limits.maxFrameBytes for the reply frame`);
    }
  }),
);

const PROTOCOL = expected('one of mqtt, mqtts, ws, wss');

export const listenerSchema = optionsSchema<ListenerOptions>(
  {
    protocol: z.optional(z.enum(['mqtt', 'mqtts', 'ws', 'wss'], PROTOCOL)),
    host: z.optional(nonEmptyString('a host')),
    port: z.optional(port),
    /** PEM files, for `mqtts` and `wss`. */
    cert: z.optional(path),
    key: z.optional(path),
  },
  'a listener { protocol, host, port, cert, key }',
).check(
  z.superRefine((listener, context) => {
    if (listener.protocol !== 'mqtts' && listener.protocol !== 'wss') return;
    for (const field of ['cert', 'key'] as const) {
      if (!listener[field]) context.addIssue({ code: 'custom', path: [field], message: `a ${listener.protocol} listener needs a ${field} file`, input: listener });
    }
  }),
);

export const listenersSchema = z.array(listenerSchema, expected('an array of listeners')).check(z.minLength(1, expected('at least one listener')));

const storeOptionsSchema = z.record(z.string(), z.unknown(), expected('an object'));

/** Every option of `createBroker`, as its shape (`startBroker` adds its own to it). */
export const brokerOptionsShape = {
  host: z.optional(nonEmptyString('a host')),
  port: z.optional(port),
  listeners: z.optional(listenersSchema),
  root: z.optional(rootSchema),
  apps: z.optional(z.array(instance<ProxyType>('a proxy type (defineProxy)', isProxyType), expected('an array of proxy types'))),
  store: z.optional(z.union([nonEmptyString('a store URL'), instance<Store>('a store', isStore)], expected('a store or its URL'))),
  storeOptions: z.optional(storeOptionsSchema),
  storeBaseDir: z.optional(path),
  logger: z.optional(instance<Logger>('a pino logger', isObject)),
  clock: z.optional(clockSchema),
  random: z.optional(randomSchema),
  limits: z.optional(brokerLimitsSchema),
  auth: z.optional(authOptionsSchema),
  sessionIdleTtlMs: z.optional(positiveInteger),
  publishCommits: z.optional(z.boolean(expected('true or false'))),
  http: z.optional(hostPortSchema),
  adminToken: z.optional(adminTokenSchema),
  httpHosts: z.optional(httpHostsSchema),
  connections: z.optional(connectionsSchema),
  historyEveryMs: z.optional(positiveInteger),
  refusalLog: z.optional(
    optionsSchema<RefusalLogOptions>({ windowMs: z.optional(positiveInteger), perCode: z.optional(wholeNumber) }, 'an object { windowMs, perCode }'),
  ),
  blobKey: z.optional(z.union([nonEmptyString('a blob key'), instance<Uint8Array>('32 bytes', (value) => value instanceof Uint8Array)], expected('a key file, base64 or 32 bytes'))),
} satisfies { [K in keyof BrokerOptions]-?: z.core.$ZodType<BrokerOptions[K]> };

export const brokerOptionsSchema = optionsSchema<BrokerOptions>(brokerOptionsShape, 'an object (the broker options)');
