import type { Device } from '../device.js';
import type { DeviceSession } from '../session/device-session.js';
import type { SessionOptions } from '../session/types.js';
import type { SimStats } from './sim-stats.js';
import type { SimContext, SimDeviceInfo } from './types.js';

/** What a device's context reports to: the run's stats and effect totals. */
export interface ContextSink {
  readonly stats: SimStats;
  readonly effects: Map<string, number>;
  /** Errors already counted by `call`, so a step that rethrows one is not counted twice. */
  readonly counted: WeakSet<object>;
}

/** The context a scenario's `start` and `step` get: one per device start (a restart makes a new one). */
export class DeviceContext<M extends object> implements SimContext<M> {
  readonly index: number;
  readonly id: string;
  readonly runId: string;
  readonly device: Device;
  readonly memory: M;
  readonly restarted: boolean;
  readonly random: () => number;
  readonly #sink: ContextSink;
  readonly #sessions = new Map<string, DeviceSession>();
  /** Set when the simulator crashed this device: the calls it fails are the crash, not errors. */
  crashed = false;

  constructor(info: SimDeviceInfo, device: Device, memory: M, restarted: boolean, random: () => number, sink: ContextSink) {
    this.index = info.index;
    this.id = info.id;
    this.runId = info.runId;
    this.device = device;
    this.memory = memory;
    this.restarted = restarted;
    this.random = random;
    this.#sink = sink;
  }

  session(proxy: string, name: string, options?: SessionOptions): DeviceSession {
    const key = `${proxy} ${name}`;
    let session = this.#sessions.get(key);
    if (!session) {
      session = this.device.session(proxy, name, options);
      this.#sessions.set(key, session);
    }
    return session;
  }

  async call(session: DeviceSession, method: string, ...args: unknown[]): Promise<unknown> {
    const startedAt = performance.now();
    try {
      const value = await session.invoke(method, args);
      this.#sink.stats.callDone(startedAt);
      return value;
    } catch (error) {
      if (!this.crashed) this.#sink.stats.error(error);
      if (typeof error === 'object' && error !== null) this.#sink.counted.add(error);
      throw error;
    }
  }

  effect(key: string, count = 1): void {
    this.#sink.effects.set(key, (this.#sink.effects.get(key) ?? 0) + count);
  }
}
