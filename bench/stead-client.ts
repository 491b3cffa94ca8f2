import { connectDevice, type Device, type DeviceSession } from '../device/index.js';
import { isSteadError } from '../shared/errors.js';
import type { BenchClient } from './bench-client.js';
import type { LatencyRecorder } from './stats.js';

/** A Stead device with one begun session calling `buy('bread', n)` in a closed loop. */
export class SteadClient implements BenchClient {
  failures = 0;
  readonly #device: Device;
  readonly #session: DeviceSession;
  readonly #recorder: LatencyRecorder;
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  private constructor(device: Device, session: DeviceSession, recorder: LatencyRecorder) {
    this.#device = device;
    this.#session = session;
    this.#recorder = recorder;
  }

  static async open(url: string, clientId: string, proxy: string, sessionName: string, recorder: LatencyRecorder): Promise<SteadClient> {
    const device = await connectDevice({ url, clientId, connectTimeoutMs: 30_000 });
    const session = device.session(proxy, sessionName);
    await session.begin();
    return new SteadClient(device, session, recorder);
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  stop(): Promise<void> {
    this.#running = false;
    return this.#loop;
  }

  close(): Promise<void> {
    return this.#device.close();
  }

  async #run(): Promise<void> {
    for (let n = 0; this.#running; n++) {
      const sentAt = performance.now();
      try {
        await this.#session.call('buy', 'bread', n);
        this.#recorder.record(sentAt, performance.now());
      } catch (error) {
        this.failures++;
        if (isSteadError(error, 'CLOSED')) return;
      }
    }
  }
}
