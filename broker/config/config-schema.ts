/**
 * The shape of `stead.json` (`stead broker --config`). Each top-level key is a section; its
 * fields are the broker options' own schemas (host/broker-options.ts), so a file and a function
 * call are checked alike. A later section is one more key here and one more line in
 * `toStartOptions` (load-config.ts). Objects are strict: a misspelt field is refused, not ignored.
 */
import * as z from 'zod/mini';
import { expected, positiveInteger, rootSchema } from '../../shared/options.js';
import { authOptionsSchema } from '../auth/index.js';
import { adminTokenSchema, connectionsSchema, httpHostsSchema, brokerLimitsSchema, hostPortSchema, listenersSchema, logLevelSchema, path } from '../host/broker-options.js';

const paths = z.array(path, expected('an array of paths'));

const storeObjectSchema = z.strictObject(
  {
    /** `memory:`, `sqlite:path`, or a scheme a store module registers. */
    url: z.optional(z.string(expected('a store URL')).check(z.minLength(1, expected('a store URL')))),
    /** Modules that call `registerStore` when they load, loaded before the store opens. */
    modules: z.optional(paths),
    /** Handed to the store's factory as they are. */
    options: z.optional(z.record(z.string(), z.unknown(), expected('an object'))),
  },
  expected('a store URL or { url, modules, options }'),
);

/** `store`: `{ url, modules, options }`, or its URL alone (read as `{ url }`, so errors name the inner field). */
const storeSchema = z.pipe(
  z.transform((value: unknown) => (typeof value === 'string' ? { url: value } : value)),
  storeObjectSchema,
);

export const brokerConfigSchema = z.strictObject(
  {
    /** For editors that validate JSON against a schema; ignored. */
    $schema: z.optional(z.string()),
    /** App modules or folders (resolve-app.ts). */
    apps: z.optional(paths),
    store: z.optional(storeSchema),
    limits: z.optional(brokerLimitsSchema),
    root: z.optional(rootSchema),
    listeners: z.optional(listenersSchema),
    /** Identity and authorization (docs/identity.md); `stead broker` always requires keys. */
    auth: z.optional(authOptionsSchema),
    /** What a connection may hold before and after it authenticates (docs/identity.md, bounds). */
    connections: z.optional(connectionsSchema),
    /** The HTTP listener (docs/operations.md): `/metrics`, `/healthz`, the admin API, the dashboard. */
    http: z.optional(
      z.strictObject(
        {
          /** `host:port`, or `:port` for loopback. */
          listen: hostPortSchema,
          /** The admin credential; `$STEAD_ADMIN_TOKEN` wins over it. */
          adminToken: z.optional(adminTokenSchema),
          /** Host names the listener answers to besides loopback and its own host. */
          hosts: z.optional(httpHostsSchema),
        },
        expected('an object { listen, adminToken, hosts }'),
      ),
    ),
    /** The file holding the key that seals session blobs (docs/sessions.md). */
    blobKey: z.optional(path),
    /** Session lifecycle (docs/sessions.md): sessions idle this long are swept by the broker. */
    sessions: z.optional(z.strictObject({ idleTtlMs: z.optional(positiveInteger) }, expected('an object { idleTtlMs }'))),
    /** Commit events on `<root>/$events/commit/<app>/<id>` for admin clients (docs/apps.md). */
    events: z.optional(z.strictObject({ publishCommits: z.optional(z.boolean(expected('true or false'))) }, expected('an object { publishCommits }'))),
    logLevel: z.optional(logLevelSchema),
  },
  expected('an object (the broker configuration)'),
);

/** `stead.json` as validated (paths still as written). */
export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
