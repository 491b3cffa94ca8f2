/**
 * The shape of `stead.json` (`stead broker --config`), in one place. Each top-level key is a
 * section with its own schema below; a later section (security, http, cluster) is one more
 * schema and one more key in `brokerConfigSchema`, and one more step in `toBrokerOptions`
 * (config-options.ts). Objects are strict: a misspelt field is refused, not ignored.
 */
import { z } from 'zod';
import { LIMITS } from '../../shared/limits.js';
import { isValidRoot } from '../../shared/names.js';

const expected = (what: string) => ({ error: `expected ${what}` });

const positiveInteger = z.int(expected('a positive integer')).positive(expected('a positive integer'));
const nonNegativeInteger = z.int(expected('a non-negative integer')).nonnegative(expected('a non-negative integer'));
const path = z.string(expected('a path')).min(1, expected('a path'));
const paths = z.array(path, expected('an array of paths'));

/** `limits`: any of shared/limits.ts's names, each a positive integer (createBroker checks how they relate). */
const limitsSchema = z.strictObject(
  Object.fromEntries(Object.keys(LIMITS).map((name) => [name, positiveInteger.optional()])) as Record<keyof typeof LIMITS, z.ZodOptional<typeof positiveInteger>>,
  expected('an object of limits'),
);

/** `store`: `{ url, modules, options }`, or its URL alone (read as `{ url }`, so errors name the inner field). */
const storeSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { url: value } : value),
  z.strictObject(
    {
      /** `memory:`, `sqlite:path`, or a scheme a store module registers. */
      url: z.string(expected('a store URL')).min(1, expected('a store URL')).optional(),
      /** Modules that call `registerStore` when they load, loaded before the store opens. */
      modules: paths.optional(),
      /** Handed to the store's factory as they are. */
      options: z.record(z.string(), z.unknown(), expected('an object')).optional(),
    },
    expected('a store URL or { url, modules, options }'),
  ),
);

const listenerSchema = z
  .strictObject(
    {
      protocol: z.enum(['mqtt', 'mqtts', 'ws', 'wss'], expected('one of mqtt, mqtts, ws, wss')).optional(),
      host: z.string(expected('a host')).min(1, expected('a host')).optional(),
      port: z.int(expected('a port 0..65535')).min(0, expected('a port 0..65535')).max(65535, expected('a port 0..65535')).optional(),
      /** PEM files, for `mqtts` and `wss`. */
      cert: path.optional(),
      key: path.optional(),
    },
    expected('a listener { protocol, host, port, cert, key }'),
  )
  .superRefine((listener, context) => {
    if (listener.protocol !== 'mqtts' && listener.protocol !== 'wss') return;
    for (const field of ['cert', 'key'] as const) {
      if (!listener[field]) context.addIssue({ code: 'custom', path: [field], message: `a ${listener.protocol} listener needs a ${field} file` });
    }
  });

export const brokerConfigSchema = z.strictObject(
  {
    /** For editors that validate JSON against a schema; ignored. */
    $schema: z.string().optional(),
    /** App modules or folders (resolve-app.ts). */
    apps: paths.optional(),
    store: storeSchema.optional(),
    limits: limitsSchema.optional(),
    /** Topic root. */
    root: z.string(expected('a topic root')).refine(isValidRoot, expected('a topic root: MQTT levels without wildcards')).optional(),
    listeners: z.array(listenerSchema, expected('an array of listeners')).min(1, expected('at least one listener')).optional(),
    /** Identity and authorization (docs/identity.md); `stead broker` always requires keys. */
    auth: z
      .strictObject(
        {
          allowAnonymous: z.boolean(expected('true or false')).optional(),
          audience: z.string(expected('a name')).min(1, expected('a name')).optional(),
          clockWindowMs: positiveInteger.optional(),
          refreshMs: positiveInteger.optional(),
          replayCacheSize: positiveInteger.optional(),
          replayPerKey: positiveInteger.optional(),
          startSlackMs: nonNegativeInteger.optional(),
          quotas: z
            .strictObject(
              { connectionsPerKey: positiveInteger.optional(), subscriptionsPerClient: positiveInteger.optional(), wildcardProxiesPerKey: positiveInteger.optional() },
              expected('an object { connectionsPerKey, subscriptionsPerClient, wildcardProxiesPerKey }'),
            )
            .optional(),
        },
        expected('an object { allowAnonymous, audience, clockWindowMs, refreshMs, replayCacheSize, replayPerKey, startSlackMs, quotas }'),
      )
      .optional(),
    /** What a connection may hold before and after it authenticates (docs/identity.md, bounds). */
    connections: z
      .strictObject(
        {
          connectTimeoutMs: positiveInteger.optional(),
          maxPending: positiveInteger.optional(),
          maxPendingPerAddress: positiveInteger.optional(),
          keepaliveLimitSec: nonNegativeInteger.optional(),
          offlineQueueMessages: positiveInteger.optional(),
          offlineQueueBytes: positiveInteger.optional(),
        },
        expected('an object { connectTimeoutMs, maxPending, maxPendingPerAddress, keepaliveLimitSec, offlineQueueMessages, offlineQueueBytes }'),
      )
      .optional(),
    /** The HTTP listener (docs/operations.md): `/metrics`, `/healthz`, the admin API, the dashboard. */
    http: z
      .strictObject(
        {
          /** `host:port`, or `:port` for loopback. */
          listen: z.string(expected('host:port')).min(1, expected('host:port')),
          /** The admin credential; `$STEAD_ADMIN_TOKEN` wins over it. */
          adminToken: z.string(expected('a token')).min(32, expected('a token of at least 32 characters')).optional(),
          /** Host names the listener answers to besides loopback and its own host. */
          hosts: z.array(z.string(expected('a host name')).min(1, expected('a host name')), expected('an array of host names')).optional(),
        },
        expected('an object { listen, adminToken, hosts }'),
      )
      .optional(),
    /** The file holding the key that seals session blobs (docs/sessions.md). */
    blobKey: path.optional(),
    /** Session lifecycle (docs/sessions.md): sessions idle this long are swept by the broker. */
    sessions: z.strictObject({ idleTtlMs: positiveInteger.optional() }, expected('an object { idleTtlMs }')).optional(),
    /** Commit events on `<root>/$events/commit/<app>/<id>` for admin clients (docs/apps.md). */
    events: z.strictObject({ publishCommits: z.boolean(expected('true or false')).optional() }, expected('an object { publishCommits }')).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], expected('one of fatal, error, warn, info, debug, trace, silent')).optional(),
  },
  expected('an object (the broker configuration)'),
);

/** `stead.json` as validated (paths still as written). */
export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
