import type { Command } from 'commander';
import { collect, parsePort } from './options.js';

interface BrokerFlags {
  host: string;
  port: number;
  app: string[];
  store: string;
  root: string;
  logLevel: string;
  http?: string;
}

/** `stead broker`: runs until SIGINT or SIGTERM, then drains inboxes and closes the store. */
export function defineBroker(program: Command): void {
  program
    .command('broker')
    .description('run the broker with the given proxy apps; logs JSON lines on stdout, the first with its url')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, 1883)
    .option('--app <path>', 'proxy app module or folder: .ts, .mts, .js, .mjs, a package (repeatable)', collect, [] as string[])
    .option('--store <url>', 'session store: sqlite:<path> (durable) or memory:', 'sqlite:./data/stead.db')
    .option('--root <root>', 'topic root', 'stead')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
    .option('--http <host:port>', 'HTTP listener for /metrics, /healthz, the admin API and the dashboard (loopback unless a host is named); admin token from STEAD_ADMIN_TOKEN')
    .action(runBroker);
}

async function runBroker(flags: BrokerFlags): Promise<void> {
  // Loaded here, not at the top: `stead call` never pays for the broker side.
  const [{ pino }, { startBroker }] = await Promise.all([import('pino'), import('../broker/index.js')]);
  // DESIGN §10: JSON lines for machines; on a terminal the same fields as one readable line each
  // (pino's pretty transport, in its own worker thread).
  const logger = process.stdout.isTTY
    ? pino({ level: flags.logLevel, transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } })
    : pino({ level: flags.logLevel });
  let broker;
  try {
    const observe = flags.http === undefined ? {} : { http: flags.http, adminToken: process.env.STEAD_ADMIN_TOKEN || undefined };
    broker = await startBroker({ host: flags.host, port: flags.port, apps: flags.app, store: flags.store, root: flags.root, logger, ...observe });
  } catch (error) {
    logger.fatal({ err: error, code: (error as { code?: string }).code }, 'broker failed to start');
    process.exitCode = 1;
    return;
  }
  logger.info({ url: broker.url, http: broker.http?.url }, `stead broker ready on ${broker.url}`);
  const running = broker;
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
