import type { LatencySummary } from './protocol.js';

/** Collects per-call latencies of the calls that complete inside the measured window. */
export class LatencyRecorder {
  #samples = new Float64Array(1 << 16);
  #count = 0;
  #measuring = false;
  #startedAt = 0;
  #stoppedAt = 0;

  start(now: number): void {
    this.#count = 0;
    this.#measuring = true;
    this.#startedAt = now;
  }

  stop(now: number): void {
    this.#measuring = false;
    this.#stoppedAt = now;
  }

  /** A call sent at `sentAt` was answered at `now`; counted only if it lies wholly in the window. */
  record(sentAt: number, now: number): void {
    if (!this.#measuring || sentAt < this.#startedAt) return;
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = now - sentAt;
  }

  summary(): LatencySummary {
    const samples = this.#samples.subarray(0, this.#count).sort();
    const seconds = (this.#stoppedAt - this.#startedAt) / 1000;
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
