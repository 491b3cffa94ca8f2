/**
 * A device's options and their one schema (docs/config.md): `new Device` and `connectDevice`
 * check what they are given with it (BAD_OPTIONS naming each field), and the agent's config
 * (agent/agent-config.ts) reuses its field schemas.
 */
import * as z from 'zod/mini';
import type { IClientOptions } from 'mqtt';
import type { Clock } from '../shared/clock.js';
import type { DeviceKey } from '../shared/identity/key-pair.js';
import type { Limits } from '../shared/limits.js';
import { clockSchema, expected, instance, isObject, limitsSchema, nonEmptyString, optionsSchema, positiveInteger, randomSchema, rootSchema, wholeNumber } from '../shared/options.js';
import type { Random } from '../shared/random.js';
import type { BackoffOptions } from './backoff.js';
import type { SessionOptions } from './session/types.js';

export interface DeviceOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  clientId?: string;
  root?: string;
  /** Reported to proxies in hello frames. */
  agent?: string;
  reconnect?: BackoffOptions;
  /** How long connectDevice waits for the first connection; default 10 s. */
  connectTimeoutMs?: number;
  /** MQTT keepalive in seconds; default 30, 0 turns it off. */
  keepaliveSec?: number;
  /** Defaults for every session of this device (a notification position belongs to one session). */
  session?: SessionDefaults;
  /**
   * Overrides of the wire limits the device enforces (`maxFrameBytes`, `maxValueDepth`,
   * `maxWindow`, `callDeadlineMs`), merged with `LIMITS`; keep them within the broker's.
   */
  limits?: Partial<Limits>;
  clock?: Clock;
  random?: Random;
  /**
   * The device's key, or the path of its key file (`stead keys new`): every CONNECT is signed
   * with it (DESIGN §7) and the client id defaults to `<device>/<random>`. Without it the device
   * connects anonymously, which only an open broker accepts.
   */
  key?: DeviceKey | string;
  /** The broker's audience name, signed into each CONNECT; default `stead`. */
  audience?: string;
  /** Extra mqtt.js options (TLS files, credentials); Stead owns clean, reconnect and resubscribe. */
  mqtt?: Omit<IClientOptions, 'clean' | 'reconnectPeriod' | 'resubscribe' | 'clientId'>;
}

export type SessionDefaults = Omit<SessionOptions, 'notifications'>;

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_KEEPALIVE_SEC = 30;

export const backoffSchema = optionsSchema<BackoffOptions>(
  {
    initialMs: z.optional(positiveInteger),
    maxMs: z.optional(positiveInteger),
    factor: z.optional(z.number(expected('a number ≥ 1')).check(z.gte(1, expected('a number ≥ 1')))),
  },
  'an object { initialMs, maxMs, factor }',
);

const sessionDefaultsSchema = optionsSchema<SessionDefaults>(
  {
    deadlineMs: z.optional(positiveInteger),
    window: z.optional(positiveInteger),
    retryMs: z.optional(positiveInteger),
    autoBegin: z.optional(z.boolean(expected('true or false'))),
    blobDir: z.optional(nonEmptyString('a folder')),
  },
  'an object { deadlineMs, window, retryMs, autoBegin, blobDir }',
);

const isDeviceKey = (value: unknown): boolean => isObject(value) && typeof value.device === 'string' && value.publicKey instanceof Uint8Array;

export const deviceOptionsSchema = optionsSchema<DeviceOptions>(
  {
    url: nonEmptyString('a broker URL'),
    clientId: z.optional(nonEmptyString('a client id')),
    root: z.optional(rootSchema),
    agent: z.optional(nonEmptyString('a name')),
    reconnect: z.optional(backoffSchema),
    connectTimeoutMs: z.optional(positiveInteger),
    keepaliveSec: z.optional(wholeNumber),
    session: z.optional(sessionDefaultsSchema),
    limits: z.optional(limitsSchema),
    clock: z.optional(clockSchema),
    random: z.optional(randomSchema),
    key: z.optional(z.union([nonEmptyString('a key file'), instance<DeviceKey>('a device key', isDeviceKey)], expected('a key file or a device key'))),
    audience: z.optional(nonEmptyString('a name')),
    mqtt: z.optional(instance<DeviceOptions['mqtt'] & object>('an object of mqtt.js options', isObject)),
  },
  'an object (the device options)',
);
