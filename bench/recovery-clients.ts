/**
 * The clients child process of the recovery bench (bench/recovery.ts): a fleet of Stead devices,
 * each with a begun session calling `buy` about once per interval, with the device's default
 * reconnect backoff. A device that loses its connection calls at once (the call waits for the
 * reconnect). Told that the broker was killed, the process reports when each device was
 * connected again and when each completed a call again (the first answer after its drop).
 */
import { connectDevice, type Device, type DeviceSession } from '../device/index.js';
import { isSteadError } from '../shared/errors.js';
import type { RecoveryChildMessage, RecoveryParentMessage, RecoveryRound } from './recovery-protocol.js';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();

function send(message: RecoveryChildMessage): void {
  process.send?.(message);
}

class FleetDevice {
  failures = 0;
  /** Set when the connection drops; cleared when a call is answered afterwards. */
  lostAt: number | null = null;
  reconnectedAt: number | null = null;
  recoveredAt: number | null = null;
  readonly #device: Device;
  readonly #session: DeviceSession;
  readonly #intervalMs: number;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;
  #onRecovered: () => void;

  constructor(device: Device, session: DeviceSession, intervalMs: number, onRecovered: () => void) {
    this.#device = device;
    this.#session = session;
    this.#intervalMs = intervalMs;
    this.#onRecovered = onRecovered;
    device.on('disconnect', () => {
      this.lostAt ??= now();
      this.reconnectedAt = null;
      this.recoveredAt = null;
      this.#wake?.();
    });
    device.on('connect', () => {
      if (this.lostAt !== null) this.reconnectedAt ??= now();
    });
  }

  static async open(url: string, index: number, intervalMs: number, onRecovered: () => void): Promise<FleetDevice> {
    const device = await connectDevice({ url, clientId: `recovery-${index}`, connectTimeoutMs: 30_000 });
    const session = device.session(`toaster/fleet-${index}`, 'bench');
    await session.begin();
    await session.call('buy', 'bread', 0);
    return new FleetDevice(device, session, intervalMs, onRecovered);
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Forgets any earlier outage: the kill about to come starts a round. */
  reset(): void {
    this.lostAt = null;
    this.reconnectedAt = null;
    this.recoveredAt = null;
  }

  async close(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#device.close();
    await this.#loop;
  }

  async #run(): Promise<void> {
    for (let n = 1; this.#running; n++) {
      try {
        await this.#session.call('buy', 'bread', n);
        if (this.lostAt !== null && this.recoveredAt === null) {
          this.recoveredAt = now();
          this.#onRecovered();
        }
      } catch (error) {
        this.failures++;
        if (isSteadError(error, 'CLOSED')) return;
      }
      await this.#pause();
    }
  }

  /** About one interval (jittered, so the fleet does not call in lockstep), or until a drop. */
  #pause(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), this.#intervalMs * (0.5 + Math.random()));
      this.#wake = () => {
        this.#wake = null;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

let fleet: FleetDevice[] = [];
let waiting: { killedAt: number; resolve: () => void } | null = null;

function onRecovered(): void {
  if (waiting && fleet.every((d) => d.recoveredAt !== null)) waiting.resolve();
}

async function connectFleet(url: string, devices: number, batch: number, intervalMs: number): Promise<void> {
  const started = now();
  for (let first = 0; first < devices; first += batch) {
    const opening: Promise<FleetDevice>[] = [];
    for (let i = first; i < Math.min(devices, first + batch); i++) opening.push(FleetDevice.open(url, i, intervalMs, onRecovered));
    fleet.push(...(await Promise.all(opening)));
  }
  for (const device of fleet) device.start();
  send({ type: 'connected', setupMs: now() - started });
}

/** Waits until every device has completed a call since the kill (or the timeout passed). */
async function awaitRecovery(killedAt: number, timeoutMs: number): Promise<RecoveryRound> {
  const done = new Promise<void>((resolve) => (waiting = { killedAt, resolve }));
  onRecovered();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  waiting = null;
  const since = (t: number | null): number | null => (t === null ? null : t - killedAt);
  const round: RecoveryRound = {
    devices: fleet.length,
    lostMs: fleet.map((d) => since(d.lostAt)),
    reconnectedMs: fleet.map((d) => since(d.reconnectedAt)),
    recoveredMs: fleet.map((d) => since(d.recoveredAt)),
    failures: fleet.reduce((sum, d) => sum + d.failures, 0),
  };
  return round;
}

process.on('message', (raw) => {
  const message = raw as RecoveryParentMessage;
  const fail = (error: unknown): void => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  switch (message.type) {
    case 'connect':
      connectFleet(message.url, message.devices, message.connectBatch, message.intervalMs).catch(fail);
      return;
    case 'arm':
      for (const device of fleet) device.reset();
      send({ type: 'armed' });
      return;
    case 'killed':
      awaitRecovery(message.at, message.timeoutMs).then((round) => send({ type: 'recovered', round }), fail);
      return;
    case 'exit':
      void Promise.allSettled(fleet.map((d) => d.close())).then(() => {
        fleet = [];
        process.disconnect();
      });
      return;
  }
});
send({ type: 'ready' });
