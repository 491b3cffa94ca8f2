import { pino } from 'pino';
import { loadApps } from '../apps/load-apps.js';
import { createBroker } from '../host/create-broker.js';

export interface BrokerCommandOptions {
  host: string;
  port: number;
  app: string[];
  store: string;
  root: string;
  logLevel: string;
}

/** `stead broker`: runs until SIGINT or SIGTERM, then drains inboxes and closes the store. */
export async function runBrokerCommand(options: BrokerCommandOptions): Promise<void> {
  const logger = pino({ level: options.logLevel });
  try {
    const apps = await loadApps(options.app);
    const broker = await createBroker({ host: options.host, port: options.port, apps, store: options.store, root: options.root, logger });
    logger.info({ url: broker.url }, `stead broker ready on ${broker.url}`);
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      broker.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    logger.fatal({ err: error, code: (error as { code?: string }).code }, 'broker failed to start');
    process.exitCode = 1;
  }
}
