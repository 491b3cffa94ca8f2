import { Device, type DeviceOptions } from '../device.js';
import { DeviceContext, type ContextSink } from './sim-context.js';
import type { FaultProxy } from './fault-proxy.js';
import type { Fraction } from './seeded-random.js';
import type { Semaphore } from './semaphore.js';
import { keyedClientId } from './keyed-client-id.js';
import type { DeviceKeyProvider, Scenario, SimDeviceInfo } from './types.js';

/** What every simulated device of a run shares. */
export interface SimRun<M extends object> extends ContextSink {
  readonly url: string;
  readonly scenario: Scenario<M>;
  readonly steps: number;
  readonly deadline: number;
  readonly restart: number;
  readonly restartWithinMs: number;
  readonly proxy: FaultProxy | null;
  readonly device: Omit<DeviceOptions, 'url' | 'clientId'>;
  readonly keys: DeviceKeyProvider | null;
  readonly connects: Semaphore;
}

/**
 * One simulated gadget: connect, `start`, then `steps` steps; a restart drawn for a step crashes
 * it within `restartWithinMs` of the step's start (the proxy cuts its connection, the process's
 * state is gone but its memory, its disk, is kept), and it starts again: connect, `start` with
 * `restarted`, and the steps left. A restarted step is not redone: `start` learns its outcome.
 */
export class SimDevice<M extends object> {
  readonly info: SimDeviceInfo;
  readonly memory: M;
  readonly #run: SimRun<M>;
  readonly #random: Fraction;
  #step = 0;
  #connected = false;
  /** The MQTT client id: the device's id, under its key's device name when it signs (DESIGN §7). */
  #clientId: string;

  constructor(info: SimDeviceInfo, run: SimRun<M>, random: Fraction) {
    this.info = info;
    this.#run = run;
    this.#random = random;
    this.memory = run.scenario.memory?.(info) ?? ({} as M);
    this.#clientId = info.id;
  }

  async run(): Promise<void> {
    const stats = this.#run.stats;
    try {
      for (let restarted = false; ; restarted = true) {
        const device = await this.#connect(!restarted);
        if (!device) return;
        const ctx = new DeviceContext(this.info, device, this.memory, restarted, this.#random, this.#run);
        const crashed = (await this.#guard(ctx, () => this.#run.scenario.start?.(ctx))) || (await this.#steps(ctx));
        if (!crashed) return await this.#close(device);
        stats.restarts++;
      }
    } finally {
      stats.finished++;
    }
  }

  /** Runs steps until done or crashed; true when crashed. */
  async #steps(ctx: DeviceContext<M>): Promise<boolean> {
    const run = this.#run;
    while (this.#step < run.steps && Date.now() < run.deadline) {
      this.#step++;
      const crash = run.restart > 0 && this.#random() < run.restart ? this.#crashLater(ctx) : null;
      await this.#guard(ctx, () => run.scenario.step(ctx));
      if (crash) {
        // The step ended before its crash came: the crash comes now, between steps.
        crash.now();
        await crash.done;
      }
      if (ctx.crashed) return true;
    }
    return false;
  }

  /** Runs a scenario hook; counts what it throws (unless `call` did, or the crash caused it). True when crashed. */
  async #guard(ctx: DeviceContext<M>, hook: () => Promise<void> | void): Promise<boolean> {
    try {
      await hook();
    } catch (error) {
      const counted = typeof error === 'object' && error !== null && this.#run.counted.has(error);
      if (!counted && !ctx.crashed) this.#run.stats.error(error);
    }
    return ctx.crashed;
  }

  #crashLater(ctx: DeviceContext<M>): { now(): void; done: Promise<void> } {
    let fire!: () => void;
    const done = new Promise<void>((resolve) => {
      fire = () => {
        clearTimeout(timer);
        if (ctx.crashed) return resolve();
        ctx.crashed = true;
        this.#run.proxy?.cut(this.#clientId);
        resolve(this.#close(ctx.device));
      };
    });
    const timer = setTimeout(fire, this.#random() * this.#run.restartWithinMs);
    return { now: fire, done };
  }

  async #connect(first: boolean): Promise<Device | null> {
    const run = this.#run;
    await run.connects.acquire();
    let device: Device | null = null;
    try {
      const identity = run.keys ? await run.keys(this.info) : {};
      this.#clientId = keyedClientId({ ...run.device, ...identity }.key, this.info.id);
      device = new Device({ ...run.device, ...identity, url: run.url, clientId: this.#clientId });
      device.on('connect', () => this.#onConnect());
      device.on('disconnect', () => this.#onDisconnect());
      device.on('error', () => undefined);
      await device.ready();
      if (first) run.stats.deviceStarted();
      return device;
    } catch (error) {
      run.stats.error(error);
      run.stats.connectError ??= describe(error);
      await device?.close();
      this.#onDisconnect();
      return null;
    } finally {
      run.connects.release();
    }
  }

  async #close(device: Device): Promise<void> {
    this.#onDisconnect();
    await device.close();
  }

  #onConnect(): void {
    if (this.#connected) return;
    this.#connected = true;
    this.#run.stats.connected++;
  }

  #onDisconnect(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#run.stats.connected--;
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
