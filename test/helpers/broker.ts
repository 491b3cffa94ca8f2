import { pino } from 'pino';
import { createBroker, type BrokerOptions, type SteadBroker } from '../../broker/index.js';
import { helloApp } from '../../examples/hello/app.js';
import toaster from '../../examples/toaster/app.js';

/** A real broker on 127.0.0.1, port 0, with the example apps and a silent logger. */
export async function startBroker(options: BrokerOptions = {}): Promise<SteadBroker> {
  return createBroker({
    port: 0,
    apps: [toaster, helloApp(40)],
    logger: pino({ level: process.env.STEAD_TEST_LOG ?? 'silent' }),
    ...options,
  });
}
