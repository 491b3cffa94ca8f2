import type { Device, DeviceOptions } from '../device.js';
import type { DeviceSession } from '../session/device-session.js';
import type { SessionOptions } from '../session/types.js';
import type { FaultCounts } from './fault-pipe.js';
import type { FaultSettings } from './fault-settings.js';

/**
 * A scenario: what each simulated gadget does, and what must hold at the end (docs/simulate.md).
 * A scenario states its effects (`ctx.effect`) as it learns them committed, so that an invariant
 * can compare them with the proxies' committed state: no duplicate effect, no lost effect.
 */
export interface Scenario<M extends object = Record<string, unknown>> {
  name?: string;
  /** A device's memory at its first start: what it keeps across restarts (its disk). */
  memory?: (device: SimDeviceInfo) => M;
  /** At every start of a device (first and after each restart): open sessions, begin, resume. */
  start?: (ctx: SimContext<M>) => Promise<void> | void;
  /** One step of a device's work; called `steps` times per device (a restarted step is not redone). */
  step: (ctx: SimContext<M>) => Promise<void> | void;
  /** Checked once every device is done: `true` when it holds, or a line saying how it failed. */
  invariants?: Readonly<Record<string, Invariant<M>>>;
  /** The faults this scenario runs under when the caller gives none (`faults` of the options wins). */
  faults?: SimFaults;
}

export type Invariant<M extends object> = (check: InvariantCheck<M>) => Promise<true | string> | true | string;

export interface SimDeviceInfo {
  /** 0 .. devices-1. */
  readonly index: number;
  /** The device's MQTT client id, unique per run: `sim-<runId>-<index>`. */
  readonly id: string;
  /** Random per run (even with a seed): put it in proxy ids so runs against one broker stay apart. */
  readonly runId: string;
}

export interface SimContext<M extends object> extends SimDeviceInfo {
  /** The connected device (a new one after each restart). */
  readonly device: Device;
  readonly memory: M;
  /** True in `start` after a restart: whatever was in flight may or may not have committed. */
  readonly restarted: boolean;
  /** Seeded per device: use it for the scenario's own choices, so a run can be replayed. */
  readonly random: () => number;
  /** A session of the current device, opened once per start and reused by later steps. */
  session(proxy: string, name: string, options?: SessionOptions): DeviceSession;
  /** Calls a method, counted and timed for the report; rejects as the call does. */
  call(session: DeviceSession, method: string, ...args: unknown[]): Promise<unknown>;
  /** States an effect the scenario knows is committed, under a key the invariants read back. */
  effect(key: string, count?: number): void;
}

export interface InvariantCheck<M extends object> {
  readonly runId: string;
  /** Every effect the devices stated, summed per key. */
  readonly effects: ReadonlyMap<string, number>;
  readonly devices: readonly (SimDeviceInfo & { readonly memory: M })[];
  /** Calls a proxy method straight at the broker (no faults), from a checking session of its own. */
  call(proxy: string, method: string, ...args: unknown[]): Promise<unknown>;
}

export interface SimFaults extends FaultSettings {
  /** Probability that a device crashes during a step and starts again (a new process, same memory). */
  restart?: number;
  /** A crash comes at a uniform time within this many ms of the step's start; default 20. */
  restartWithinMs?: number;
}

/** Connect options that carry one device's identity (a key, once CONNECT authentication lands). */
export type DeviceKeyProvider = (device: SimDeviceInfo) => Partial<Omit<DeviceOptions, 'url'>> | Promise<Partial<Omit<DeviceOptions, 'url'>>>;

export interface SimulateOptions<M extends object = Record<string, unknown>> {
  /** Broker URL; with faults, a plain TCP one (`mqtt://host:port`). */
  broker: string;
  devices: number;
  scenario: Scenario<M>;
  /** Steps per device; default 10. */
  steps?: number;
  /** Stop starting new steps after this long (every device still ends its current step). */
  durationMs?: number;
  /** Packet and connection faults (through a fault proxy) and device restarts; a function gives per-device settings. Default: the scenario's. */
  faults?: SimFaults | ((clientId: string) => FaultSettings);
  /** Seeds every choice of the run (faults, restarts, `ctx.random`); default: random. */
  seed?: number;
  /** Devices connecting at once; default 100. */
  connectBatch?: number;
  /** Options for every simulated device (reconnect backoff, session deadlines, topic root). */
  device?: Omit<DeviceOptions, 'url' | 'clientId'>;
  /** Per-device identity: connect options (keys) for each device. */
  keys?: DeviceKeyProvider;
  /** Failed calls allowed whose codes no injected fault explains (bad arguments, app errors, refusals); default 0. */
  errorBudget?: number;
  /** Progress every `progressMs` (default 1000) while the run lasts. */
  onProgress?: (progress: SimProgress) => void;
  progressMs?: number;
}

export interface SimProgress {
  elapsedMs: number;
  /** Devices connected now. */
  connected: number;
  /** Devices that have connected at least once. */
  started: number;
  /** Devices done with their steps. */
  finished: number;
  calls: number;
  /** Over the last progress interval (the whole run, in the result). */
  callsPerSecond: number;
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  /** The simulator's own CPU use, percent of one core, over the same interval. */
  cpuPercent: number;
  restarts: number;
}

export interface InvariantResult {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface SimResult extends SimProgress {
  scenario: string;
  runId: string;
  seed: number;
  devices: number;
  /** Time until every device had connected once; null if some never did. */
  connectMs: number | null;
  faults: FaultCounts | null;
  invariants: InvariantResult[];
  /**
   * Why the run did not pass, one line each: an invariant failed, devices never connected, no call
   * succeeded, or more calls failed than faults explain and the error budget allows. Empty: ok.
   */
  problems: string[];
  /** True when the run passed: no problems. */
  ok: boolean;
}

