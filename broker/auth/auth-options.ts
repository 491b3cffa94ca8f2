import * as z from 'zod/mini';
import { DEFAULT_AUDIENCE } from '../../shared/defaults.js';
import { instance, isObject, nonEmptyString, optionsSchema, positiveInteger, wholeNumber } from '../../shared/options.js';
import type { QuotaOptions } from './key-quotas.js';
import type { ReplayGuard } from './replay-cache.js';

/** The broker's `auth` options (docs/identity.md); absent, the broker runs open (library default). */
export interface AuthOptions {
  /** The broker's audience name, signed into every CONNECT token; default `stead`. */
  audience?: string;
  /** How far a token's timestamp may be from the broker's clock, in ms; default ±5 min. */
  clockWindowMs?: number;
  /** Let clients without a key use plain MQTT topics (never Stead's); default false. */
  allowAnonymous?: boolean;
  /** How often the registry is read back from the store, in ms; default 250 (a revoke lands within 1 s). */
  refreshMs?: number;
  /** Most nonces remembered at once; when full of live ones, CONNECTs are refused (the admin role's excepted); default 200,000. */
  replayCacheSize?: number;
  /** Most live nonces of one key: past it only that key is refused; default 10,000. */
  replayPerKey?: number;
  /**
   * Tokens stamped more than this before the broker started are refused (`before_start`): a
   * token used before a restart cannot be used again after it; default 5,000 ms.
   */
  startSlackMs?: number;
  /** A replay guard shared by the brokers of one store (replay-cache.ts); default one per process. */
  replays?: ReplayGuard;
  /** Per-key and per-connection bounds (key-quotas.ts). */
  quotas?: QuotaOptions;
}

const quotasSchema = optionsSchema<QuotaOptions>(
  { connectionsPerKey: z.optional(positiveInteger), subscriptionsPerClient: z.optional(positiveInteger), wildcardProxiesPerKey: z.optional(positiveInteger) },
  'an object { connectionsPerKey, subscriptionsPerClient, wildcardProxiesPerKey }',
);

/** The options' schema, in the broker's options and in `stead.json`'s `auth` alike. */
export const authOptionsSchema = optionsSchema<AuthOptions>(
  {
    audience: z.optional(nonEmptyString('a name')),
    clockWindowMs: z.optional(positiveInteger),
    allowAnonymous: z.optional(z.boolean({ error: 'expected true or false' })),
    refreshMs: z.optional(positiveInteger),
    replayCacheSize: z.optional(positiveInteger),
    replayPerKey: z.optional(positiveInteger),
    startSlackMs: z.optional(wholeNumber),
    replays: z.optional(instance<ReplayGuard>('a replay guard { claim }', (value) => isObject(value) && typeof value.claim === 'function')),
    quotas: z.optional(quotasSchema),
  },
  'an object { allowAnonymous, audience, clockWindowMs, refreshMs, replayCacheSize, replayPerKey, startSlackMs, replays, quotas }',
);

export type ResolvedAuth = Required<Omit<AuthOptions, 'replays' | 'quotas'>> & Pick<AuthOptions, 'replays' | 'quotas'>;

export const AUTH_DEFAULTS: ResolvedAuth = {
  audience: DEFAULT_AUDIENCE,
  clockWindowMs: 5 * 60_000,
  allowAnonymous: false,
  refreshMs: 250,
  replayCacheSize: 200_000,
  replayPerKey: 10_000,
  startSlackMs: 5_000,
};
