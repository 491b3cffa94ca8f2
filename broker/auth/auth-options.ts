import * as z from 'zod/mini';
import { DEFAULT_AUDIENCE } from '../../shared/defaults.js';
import { nonEmptyString, optionsSchema, positiveInteger } from '../../shared/options.js';

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
  /** Most nonces remembered at once; when full of live ones, CONNECTs are refused; default 200,000. */
  replayCacheSize?: number;
}

/** The options' schema, in the broker's options and in `stead.json`'s `auth` alike. */
export const authOptionsSchema = optionsSchema<AuthOptions>(
  {
    audience: z.optional(nonEmptyString('a name')),
    clockWindowMs: z.optional(positiveInteger),
    allowAnonymous: z.optional(z.boolean({ error: 'expected true or false' })),
    refreshMs: z.optional(positiveInteger),
    replayCacheSize: z.optional(positiveInteger),
  },
  'an object { allowAnonymous, audience, clockWindowMs, refreshMs, replayCacheSize }',
);

export const AUTH_DEFAULTS: Required<AuthOptions> = {
  audience: DEFAULT_AUDIENCE,
  clockWindowMs: 5 * 60_000,
  allowAnonymous: false,
  refreshMs: 250,
  replayCacheSize: 200_000,
};
