import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { createBroker, type BrokerOptions, type SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device, type DeviceOptions } from '../../device/index.js';
import { helloApp } from './apps/hello.js';
import toaster from './apps/toaster.js';

/** A real broker on 127.0.0.1, port 0, with the test apps and a silent logger. */
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

/**
 * Per test: a fresh broker (as startBroker) and one device connected to it, both closed after.
 * `options` may be a function, called before each test, for parts made anew per test (a store).
 */
export function withBrokerAndDevice(
  options: BrokerOptions | (() => BrokerOptions | Promise<BrokerOptions>) = {},
  deviceOptions: Omit<DeviceOptions, 'url'> = {},
): BrokerAndDevice {
  const env = {} as { broker: SteadBroker; device: Device };
  beforeEach(async () => {
    env.broker = await startBroker(typeof options === 'function' ? await options() : options);
    env.device = await connectDevice({ ...deviceOptions, url: env.broker.url });
  });
  afterEach(async () => {
    await env.device.close();
    await env.broker.close();
  });
  return env;
}

export interface BrokerOnDemand {
  /** The broker of the last `start`. */
  readonly broker: SteadBroker;
  /** The device of the last `start`. */
  readonly device: Device;
  /** Starts a broker and a device; called again, it closes both first (a restart). */
  start(options?: BrokerOptions, deviceOptions?: Omit<DeviceOptions, 'url'>): Promise<Device>;
}

/** Per test: a broker and a device started when the test asks (with its own options), closed after. */
export function brokerOnDemand(): BrokerOnDemand {
  let broker: SteadBroker | null = null;
  let device: Device | null = null;
  const stop = async (): Promise<void> => {
    await device?.close();
    await broker?.close();
    device = broker = null;
  };
  afterEach(stop);
  return {
    get broker() {
      if (!broker) throw new Error('no broker: call start() first');
      return broker;
    },
    get device() {
      if (!device) throw new Error('no device: call start() first');
      return device;
    },
    async start(options = {}, deviceOptions = {}) {
      await stop();
      broker = await startBroker(options);
      device = await connectDevice({ ...deviceOptions, url: broker.url });
      return device;
    },
  };
}
