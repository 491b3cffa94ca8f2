import { expect } from 'vitest';
import type { SteadBroker } from '../../broker/index.js';
import { connectDevice, type Device, type DeviceSession } from '../../device/index.js';
import type { DeviceKey } from '../../shared/identity/index.js';
import { grantNewKey } from './keys.js';

/**
 * The bystander of the hostile-input suite (issue 8): an authenticated device calling its own
 * proxy (`toaster/honest`) in a loop for as long as an attack runs. Every call must succeed, and
 * the shop's counter must equal the number of calls made: no duplicate, no lost effect.
 */
export class HonestDevice {
  readonly device: Device;
  /** Its key, for tests that steal from it. */
  readonly key: DeviceKey;
  readonly #till: DeviceSession;
  #calls = 0;
  #failure: unknown = null;
  #running: Promise<void> | null = null;
  #stopping = false;
  /** Told after each call (and when the loop ends), for `stop` waiting on more calls. */
  #progress: (() => void) | null = null;

  private constructor(device: Device, key: DeviceKey) {
    this.device = device;
    this.key = key;
    this.#till = device.session('toaster/honest', 'till');
  }

  /** Grants a key for `honest` on the broker, connects with it and begins its session. */
  static async start(broker: SteadBroker): Promise<HonestDevice> {
    const key = await grantNewKey(broker, 'honest');
    // No resends (the retry interval is past the deadline): every frame it sends is one call, so
    // tests can account for the frames the broker received.
    const device = await connectDevice({ url: broker.url, key, session: { deadlineMs: 20_000, retryMs: 60_000 } });
    const honest = new HonestDevice(device, key);
    await honest.#till.begin();
    honest.#running = honest.#loop();
    return honest;
  }

  /** Calls made and answered so far. */
  get calls(): number {
    return this.#calls;
  }

  async #loop(): Promise<void> {
    const till = this.#till;
    while (!this.#stopping) {
      try {
        // DESIGN §4: the counter the proxy returns is the number of sales committed so far.
        const count = await till.call('buy', 'bread');
        if (count !== this.#calls + 1) throw new Error(`call ${this.#calls + 1} answered ${String(count)}`);
        this.#calls = count;
      } catch (error) {
        this.#failure = error;
        break;
      } finally {
        this.#progress?.();
      }
    }
  }

  #next(): Promise<void> {
    return new Promise((resolve) => (this.#progress = resolve));
  }

  /** Frames it sent once stopped: the begin, each call, and the final read of the counters. */
  get frames(): number {
    return this.#calls + 2;
  }

  /**
   * Waits for at least `more` further calls (the device kept working during the attack), then
   * stops, asserts no call failed and the proxy's counter equals the calls made, and closes.
   */
  async stop(more = 1): Promise<number> {
    const target = this.#calls + more;
    while (this.#calls < target && this.#failure === null) await this.#next();
    this.#stopping = true;
    await this.#running;
    try {
      expect(this.#failure).toBeNull();
      const counters = await this.#till.call('counters');
      expect(counters).toEqual({ bread: this.#calls });
      return this.#calls;
    } finally {
      await this.device.close();
    }
  }
}
