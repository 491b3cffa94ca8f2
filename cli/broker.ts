import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger, pino as createPino } from 'pino';
import type { ListenerOptions, StartBrokerOptions } from '../broker/index.js';
import { DEFAULT_HOST, DEFAULT_MQTT_PORT, DEFAULT_ROOT, DEFAULT_STORE_URL } from '../shared/defaults.js';
import { grantAdminKeys } from './admin-key.js';
import { collect, parseNumber } from './options.js';

interface BrokerFlags {
  config?: string;
  host: string;
  port: number;
  app: string[];
  store: string;
  storeModule: string[];
  root: string;
  logLevel: string;
  tlsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  wsPort?: number;
  wssPort?: number;
  sessionIdleTtl?: number;
  allowAnonymous?: boolean;
  adminKey: string[];
  audience?: string;
  clockWindow?: number;
  http?: string;
  blobKey?: string;
}

/** What `stead broker` uses where neither a flag nor the config file says. */
const DEFAULT_LOG_LEVEL = 'info';
// `stead broker` always requires keys (DESIGN §7); the library's createBroker is open unless told.
const DEFAULTS: StartBrokerOptions = { store: DEFAULT_STORE_URL, logLevel: DEFAULT_LOG_LEVEL, auth: {} };

/**
 * `stead broker`: runs until SIGINT or SIGTERM, then drains inboxes and closes the store. The
 * flags become `startBroker`'s options and are checked by its schema, as the config file's
 * fields are (commander only turns numbers into numbers).
 */
export function defineBroker(program: Command): void {
  program
    .command('broker')
    .description('run the broker with the given proxy apps; logs JSON lines on stdout, the first with its url')
    .option('--config <file>', 'configuration file (JSON, docs/stores.md); flags given override it')
    .option('--host <host>', 'interface to listen on (every listener)', DEFAULT_HOST)
    .option('--port <port>', 'MQTT TCP port (0 picks a free one)', parseNumber, DEFAULT_MQTT_PORT)
    .option('--app <path>', 'proxy app module or folder: .ts, .mts, .js, .mjs, a package (repeatable)', collect, [] as string[])
    .option('--store <url>', 'session store: sqlite:<path> (durable), memory:, or a registered scheme', DEFAULT_STORE_URL)
    .option('--store-module <path>', 'module that registers a store scheme, loaded first (repeatable)', collect, [] as string[])
    .option('--root <root>', 'topic root', DEFAULT_ROOT)
    .option('--log-level <level>', 'fatal, error, warn, info, debug', DEFAULT_LOG_LEVEL)
    .option('--tls-port <port>', 'MQTT over TLS port (needs --tls-cert and --tls-key)', parseNumber)
    .option('--tls-cert <file>', 'PEM certificate of the TLS listeners (--tls-port, --wss-port)')
    .option('--tls-key <file>', 'PEM private key of the TLS listeners')
    .option('--ws-port <port>', 'MQTT over WebSocket port', parseNumber)
    .option('--wss-port <port>', 'MQTT over secure WebSocket port (needs --tls-cert and --tls-key)', parseNumber)
    .option('--session-idle-ttl <ms>', 'sweep sessions not visited for this long (docs/sessions.md)', parseNumber)
    // DESIGN §7: every CONNECT proves a key of the registry (`stead keys`); docs/identity.md.
    .option('--admin-key <file>', 'grant this key file the admin role at start, making it if missing (repeatable)', collect, [] as string[])
    .option('--allow-anonymous', 'let clients without a key use plain MQTT topics (never Stead topics)')
    .option('--audience <name>', 'audience name devices sign into their CONNECT tokens (default stead)')
    .option('--clock-window <ms>', 'how far a token timestamp may be from this clock (default 300000)', parseNumber)
    .option('--http <host:port>', 'HTTP listener for /metrics, /healthz, the admin API and the dashboard (loopback unless a host is named); admin token from STEAD_ADMIN_TOKEN')
    .option('--blob-key <file>', 'file holding the 32-byte key that seals session blobs (stead blob-key new <file>)')
    .action(runBroker);
}

async function runBroker(flags: BrokerFlags, command: Command): Promise<void> {
  // Loaded here, not at the top: `stead call` never pays for the broker side.
  const [{ pino }, broker] = await Promise.all([import('pino'), import('../broker/index.js')]);
  // One logger, made once the level is known (the pretty transport runs in a worker thread).
  let logger: Logger | undefined;
  let running;
  try {
    const file = flags.config ? await broker.loadBrokerConfig(flags.config) : {};
    const options = broker.withOverrides(broker.withOverrides(DEFAULTS, file), givenFlags(flags, command));
    const ready = makeLogger(pino, options.logLevel ?? DEFAULT_LOG_LEVEL);
    logger = ready;
    if (options.auth?.allowAnonymous) ready.warn('--allow-anonymous: clients without a key may connect and use plain MQTT topics (Stead topics still need a key)');
    // The admin credential of the HTTP listener stays out of argv and the config file's reach.
    const adminToken = process.env.STEAD_ADMIN_TOKEN || options.adminToken;
    running = await broker.startBroker({ ...options, adminToken, logger: ready });
    const started = running;
    await grantAdminKeys(started, flags.adminKey, ready).catch(async (error: unknown) => {
      await started.close();
      throw error;
    });
  } catch (error) {
    logger ??= makeLogger(pino, flags.logLevel);
    logger.fatal({ err: error, code: (error as { code?: string }).code }, 'broker failed to start');
    process.exitCode = 1;
    return;
  }
  const log = logger;
  log.info({ url: running.url, listeners: running.listeners.map((l) => l.url), http: running.http?.url }, `stead broker ready on ${running.url}`);
  const stop = (signal: string): void => {
    log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * DESIGN §10: JSON lines for machines; on a terminal the same fields as one readable line each
 * (pino's pretty transport, in its own worker thread).
 */
function makeLogger(pino: typeof createPino, level: string): Logger {
  return process.stdout.isTTY
    ? pino({ level, transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } })
    : pino({ level });
}

/** Only the flags the user gave (not commander's defaults), so that they override the file. */
function givenFlags(flags: BrokerFlags, command: Command): StartBrokerOptions {
  const given = (name: keyof BrokerFlags): boolean => ['cli', 'env'].includes(command.getOptionValueSource(name) ?? '');
  const file = (path: string | undefined): string | undefined => (path === undefined ? undefined : resolve(path));
  const options: StartBrokerOptions = {};
  if (given('host')) options.host = flags.host;
  if (given('app')) options.apps = flags.app;
  if (given('store')) options.store = flags.store;
  if (given('storeModule')) options.storeModules = flags.storeModule.map((m) => (m.startsWith('.') ? resolve(m) : m));
  if (given('root')) options.root = flags.root;
  if (given('logLevel')) options.logLevel = flags.logLevel as StartBrokerOptions['logLevel'];
  const tls = { cert: file(flags.tlsCert), key: file(flags.tlsKey) };
  const listeners: ListenerOptions[] = [];
  if (given('port')) listeners.push({ protocol: 'mqtt', port: flags.port });
  if (given('tlsPort') || given('tlsCert') || given('tlsKey')) listeners.push({ protocol: 'mqtts', port: flags.tlsPort, ...tls });
  if (given('wsPort')) listeners.push({ protocol: 'ws', port: flags.wsPort });
  if (given('wssPort')) listeners.push({ protocol: 'wss', port: flags.wssPort, ...tls });
  if (listeners.length > 0) options.listeners = listeners;
  if (given('sessionIdleTtl')) options.sessionIdleTtlMs = flags.sessionIdleTtl;
  if (given('http')) options.http = flags.http;
  if (given('blobKey') && flags.blobKey) options.blobKey = resolve(flags.blobKey);
  const auth: StartBrokerOptions['auth'] = {};
  if (given('allowAnonymous')) auth.allowAnonymous = flags.allowAnonymous === true;
  if (given('audience')) auth.audience = flags.audience;
  if (given('clockWindow')) auth.clockWindowMs = flags.clockWindow;
  if (Object.keys(auth).length > 0) options.auth = auth;
  return options;
}
