import { BucketHistogram } from './histogram.js';

/** Seconds, from half a millisecond to ten seconds: a call, a store transaction. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Writes in one store transaction (a group commit holds at most 512 by default). */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** What is observed with a value: a call's latency, a store transaction's latency and size. */
export type Observed = 'call' | 'commit' | 'batch';

/**
 * The broker's event feed (DESIGN §2: metrics receive events and import nothing back). The
 * runtime reports counted events (errors by code, drops by reason, frames) and observations;
 * both are cheap on the hot path — a map update, a bucket scan — and allocate nothing per event
 * once an event name has been seen. Exporters (Prometheus, status, the dashboard) read them.
 */
export class Metrics {
  readonly #counts = new Map<string, number>();
  readonly #observed: Readonly<Record<Observed, BucketHistogram>> = {
    call: new BucketHistogram(LATENCY_BUCKETS),
    commit: new BucketHistogram(LATENCY_BUCKETS),
    batch: new BucketHistogram(BATCH_BUCKETS),
  };

  count(event: string, by = 1): void {
    this.#counts.set(event, (this.#counts.get(event) ?? 0) + by);
  }

  observe(event: Observed, value: number): void {
    this.#observed[event].observe(value);
  }

  get(event: string): number {
    return this.#counts.get(event) ?? 0;
  }

  histogram(event: Observed): BucketHistogram {
    return this.#observed[event];
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
