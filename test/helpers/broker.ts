import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { createBroker, type BrokerOptions, type SteadBroker } from '../../broker/index.js';
import { helloApp } from '../../examples/hello/app.js';
import toaster from '../../examples/toaster/app.js';
import { connectDevice, type Device } from '../../device/index.js';

/** A real broker on 127.0.0.1, port 0, with the example apps and a silent logger. */
export async function startBroker(options: BrokerOptions = {}): Promise<SteadBroker> {
  return createBroker({
    port: 0,
    apps: [toaster, helloApp(40)],
    logger: pino({ level: process.env.STEAD_TEST_LOG ?? 'silent' }),
    ...options,
  });
}

export interface BrokerAndDevice {
  readonly broker: SteadBroker;
  readonly device: Device;
}

/** Per test: a fresh broker (as startBroker) and one device connected to it, both closed after. */
export function withBrokerAndDevice(options: BrokerOptions = {}): BrokerAndDevice {
  const env = {} as { broker: SteadBroker; device: Device };
  beforeEach(async () => {
    env.broker = await startBroker(options);
    env.device = await connectDevice({ url: env.broker.url });
  });
  afterEach(async () => {
    await env.device.close();
    await env.broker.close();
  });
  return env;
}
