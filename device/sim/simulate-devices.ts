import { randomBytes, randomInt } from 'node:crypto';
import { SteadError } from '../../shared/errors.js';
import { checkInvariants } from './check-invariants.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { hasFaults, probability, resolveFaults, type FaultSettings } from './fault-settings.js';
import { deriveSeed, seededFraction } from './seeded-random.js';
import { Semaphore } from './semaphore.js';
import { SimDevice, type SimRun } from './sim-device.js';
import { SimStats } from './sim-stats.js';
import type { SimFaults, SimResult, SimulateOptions } from './types.js';
import { runProblems } from './verdict.js';

/**
 * Runs `devices` simulated gadgets in this process, each a real device (its own MQTT connection
 * and logical session) running the scenario, through a fault proxy when faults are asked for;
 * then checks the scenario's invariants (docs/simulate.md). `stead simulate` is this function.
 */
export async function simulateDevices<M extends object>(options: SimulateOptions<M>): Promise<SimResult> {
  const { devices, steps, connectBatch } = counts(options);
  if (typeof options.scenario?.step !== 'function') throw new SteadError('BAD_OPTIONS', 'scenario.step must be a function');
  const seed = options.seed ?? randomInt(2 ** 31);
  // Random even with a seed: a replayed run must not find the proxies of the run it replays.
  const runId = randomBytes(4).toString('hex');
  const { packet, restart, restartWithinMs } = splitFaults(options.faults ?? options.scenario.faults);
  const proxy: FaultProxy | null = packet ? await startFaultProxy({ broker: options.broker, faults: packet, seed }) : null;
  const stats = new SimStats(devices);
  const run: SimRun<M> = {
    url: proxy?.url ?? options.broker,
    scenario: options.scenario,
    steps,
    deadline: options.durationMs === undefined ? Infinity : Date.now() + options.durationMs,
    restart,
    restartWithinMs,
    proxy,
    device: options.device ?? {},
    keys: options.keys ?? null,
    connects: new Semaphore(connectBatch),
    stats,
    effects: new Map(),
    counted: new WeakSet(),
  };
  const sims = Array.from({ length: devices }, (_, index) => {
    const info = { index, id: `sim-${runId}-${index}`, runId };
    return new SimDevice(info, run, seededFraction(deriveSeed(seed, info.id)));
  });
  const progress = options.onProgress ? setInterval(() => options.onProgress?.(stats.progress()), options.progressMs ?? 1000) : null;
  try {
    await Promise.all(sims.map((sim) => sim.run()));
  } finally {
    if (progress) clearInterval(progress);
    await proxy?.close();
  }
  const total = stats.total();
  const invariants = await checkInvariants({
    broker: options.broker,
    runId,
    scenario: options.scenario,
    effects: run.effects,
    devices: sims.map((sim) => ({ ...sim.info, memory: sim.memory })),
    device: options.device ?? {},
  });
  const problems = runProblems({
    devices,
    started: total.started,
    steps,
    calls: total.calls,
    errors: total.errors,
    invariants,
    faulty: proxy !== null || restart > 0,
    errorBudget: options.errorBudget ?? 0,
    connectError: stats.connectError,
  });
  return {
    ...total,
    scenario: options.scenario.name ?? 'scenario',
    runId,
    seed,
    devices,
    connectMs: stats.connectMs,
    faults: proxy ? { ...proxy.counts } : null,
    invariants,
    problems,
    ok: problems.length === 0,
  };
}

function counts(options: Pick<SimulateOptions, 'devices' | 'steps' | 'connectBatch' | 'errorBudget'>): { devices: number; steps: number; connectBatch: number } {
  const devices = options.devices;
  const steps = options.steps ?? 10;
  const connectBatch = options.connectBatch ?? 100;
  if (!Number.isSafeInteger(devices) || devices < 1) throw new SteadError('BAD_OPTIONS', 'devices must be a positive integer');
  if (!Number.isSafeInteger(steps) || steps < 0) throw new SteadError('BAD_OPTIONS', 'steps must be a non-negative integer');
  if (!Number.isSafeInteger(connectBatch) || connectBatch < 1) throw new SteadError('BAD_OPTIONS', 'connectBatch must be a positive integer');
  if (options.errorBudget !== undefined && !(Number.isSafeInteger(options.errorBudget) && options.errorBudget >= 0)) throw new SteadError('BAD_OPTIONS', 'errorBudget must be a non-negative integer');
  return { devices, steps, connectBatch };
}

/** Packet and connection faults go to the fault proxy (none when none are asked); restarts stay here. */
function splitFaults(faults: SimulateOptions['faults']): {
  packet: FaultSettings | ((clientId: string) => FaultSettings) | null;
  restart: number;
  restartWithinMs: number;
} {
  if (faults === undefined) return { packet: null, restart: 0, restartWithinMs: 0 };
  if (typeof faults === 'function') return { packet: faults, restart: 0, restartWithinMs: 0 };
  const { restart, restartWithinMs, ...packet } = faults satisfies SimFaults;
  const within = restartWithinMs ?? 10;
  if (!Number.isFinite(within) || within < 0) throw new SteadError('BAD_OPTIONS', 'faults.restartWithinMs must be a non-negative number');
  return { packet: hasFaults(resolveFaults(packet)) ? packet : null, restart: probability('restart', restart), restartWithinMs: within };
}
