import { isSteadError } from '../../shared/errors.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { SimProgress } from './types.js';

/**
 * The run's counters: calls, errors by code, latency (whole run and since the last progress),
 * devices connected, and the simulator's own CPU, so a saturated simulator is not mistaken for a
 * slow broker (issue 9).
 */
export class SimStats {
  readonly #startedAt = performance.now();
  readonly #all = new LatencyHistogram();
  readonly #recent = new LatencyHistogram();
  readonly #errors: Record<string, number> = {};
  readonly #startCpu = process.cpuUsage();
  #tick = { at: this.#startedAt, calls: 0, cpu: this.#startCpu };
  readonly #devices: number;
  /** Why the first device that could not connect failed (`CODE: message`); null while none failed. */
  connectError: string | null = null;
  /** When every device had connected once; null until then. */
  connectMs: number | null = null;
  connected = 0;
  started = 0;
  finished = 0;
  calls = 0;
  restarts = 0;

  constructor(devices: number) {
    this.#devices = devices;
  }

  deviceStarted(): void {
    this.started++;
    if (this.started === this.#devices) this.connectMs = Math.round(performance.now() - this.#startedAt);
  }

  callDone(startedAt: number): void {
    const ms = performance.now() - startedAt;
    this.calls++;
    this.#all.record(ms);
    this.#recent.record(ms);
  }

  error(error: unknown): void {
    const code = codeOf(error);
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }

  /** Since the last progress: rates and percentiles of that interval, then a new interval. */
  progress(): SimProgress {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const progress = this.#snapshot(now, this.#tick.at, this.calls - this.#tick.calls, cpuSince(this.#tick.cpu, cpu), this.#recent);
    this.#tick = { at: now, calls: this.calls, cpu };
    this.#recent.reset();
    return progress;
  }

  /** The whole run. */
  total(): SimProgress {
    return this.#snapshot(performance.now(), this.#startedAt, this.calls, cpuSince(this.#startCpu, process.cpuUsage()), this.#all);
  }

  #snapshot(now: number, since: number, calls: number, cpuMicros: number, latency: LatencyHistogram): SimProgress {
    const seconds = Math.max(1e-3, (now - since) / 1000);
    return {
      elapsedMs: Math.round(now - this.#startedAt),
      connected: this.connected,
      started: this.started,
      finished: this.finished,
      calls: this.calls,
      callsPerSecond: Math.round(calls / seconds),
      errors: { ...this.#errors },
      p50Ms: latency.quantile(0.5),
      p99Ms: latency.quantile(0.99),
      cpuPercent: Math.round(cpuMicros / 1e4 / seconds),
      restarts: this.restarts,
    };
  }
}

function cpuSince(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
  return to.user - from.user + (to.system - from.system);
}

/** An error's catalogue code (`STEAD_E_…`), or its name when it has none. */
export function codeOf(error: unknown): string {
  if (isSteadError(error)) return error.code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}
