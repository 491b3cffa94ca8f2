import type { LatencySummary } from './protocol.js';

/**
 * Collects per-call latencies of the calls answered inside measured windows; a recorder may
 * measure several windows (segments), whose durations add up.
 */
export class LatencyRecorder {
  #samples = new Float64Array(1 << 16);
  #count = 0;
  #measuring = false;
  #startedAt = 0;
  #measuredMs = 0;
  #countAtStart = 0;
  readonly #segments: number[] = [];

  start(now: number): void {
    this.#measuring = true;
    this.#startedAt = now;
    this.#countAtStart = this.#count;
  }

  stop(now: number): void {
    if (!this.#measuring) return;
    this.#measuring = false;
    this.#measuredMs += now - this.#startedAt;
    this.#segments.push(((this.#count - this.#countAtStart) / (now - this.#startedAt)) * 1000);
  }

  /**
   * A call sent at `sentAt` was answered at `now`; counted when answered inside a window (a
   * closed loop's throughput is its answers per second, whenever each request left).
   */
  record(sentAt: number, now: number): void {
    if (!this.#measuring) return;
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = now - sentAt;
  }

  summary(): LatencySummary {
    const samples = this.#samples.subarray(0, this.#count).sort();
    const seconds = this.#measuredMs / 1000;
    let sum = 0;
    for (const sample of samples) sum += sample;
    return {
      calls: samples.length,
      seconds,
      callsPerSec: seconds > 0 ? samples.length / seconds : 0,
      p50Ms: percentile(samples, 0.5),
      p99Ms: percentile(samples, 0.99),
      meanMs: samples.length > 0 ? sum / samples.length : 0,
      maxMs: samples.length > 0 ? (samples[samples.length - 1] ?? 0) : 0,
      segmentCallsPerSec: [...this.#segments],
    };
  }
}

/** Nearest-rank percentile of sorted samples; 0 when there are none. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** Median of a few repeated measurements, so one noisy round does not decide. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
