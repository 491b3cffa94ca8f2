import type { Command } from 'commander';
import { collect, parsePort } from './options.js';

interface BrokerFlags {
  host: string;
  port: number;
  app: string[];
  store: string;
  root: string;
  logLevel: string;
  blobKey?: string;
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
    .option('--blob-key <file>', 'file holding the 32-byte key that seals session blobs (stead blob-key new <file>)')
    .action(runBroker);
}

async function runBroker(flags: BrokerFlags): Promise<void> {
  // Loaded here, not at the top: `stead call` never pays for the broker side.
  const [{ pino }, { startBroker }] = await Promise.all([import('pino'), import('../broker/index.js')]);
  const logger = pino({ level: flags.logLevel });
  let broker;
  try {
    broker = await startBroker({ host: flags.host, port: flags.port, apps: flags.app, store: flags.store, root: flags.root, logger, ...(flags.blobKey ? { blobKey: flags.blobKey } : {}) });
  } catch (error) {
    logger.fatal({ err: error, code: (error as { code?: string }).code }, 'broker failed to start');
    process.exitCode = 1;
    return;
  }
  logger.info({ url: broker.url }, `stead broker ready on ${broker.url}`);
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
