/**
 * A histogram with fixed upper bounds, filled on the hot path without allocating: `observe` is
 * a short scan over a typed array. prom-client's own `observe` builds a closure and a label
 * object per call, so the hot path records here and the registry reads these counts on scrape.
 */
export class BucketHistogram {
  readonly bounds: readonly number[];
  /** Per bucket, not cumulative; one more than `bounds` (the +Inf bucket). */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = [...bounds].sort((a, b) => a - b);
    this.#counts = new Float64Array(this.bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += value;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  /** A copy of the counts so far, for rates and quantiles over a window (see `quantile`). */
  snapshot(): HistogramSnapshot {
    return { counts: Array.from(this.#counts), sum: this.#sum, count: this.#count };
  }

  /** Cumulative counts per bound then +Inf, as Prometheus' `_bucket{le}` series carry them. */
  cumulative(): number[] {
    let running = 0;
    return Array.from(this.#counts, (n) => (running += n));
  }
}

export interface HistogramSnapshot {
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** What was observed between two snapshots. */
export function difference(later: HistogramSnapshot, earlier: HistogramSnapshot): HistogramSnapshot {
  return {
    counts: later.counts.map((n, i) => n - (earlier.counts[i] ?? 0)),
    sum: later.sum - earlier.sum,
    count: later.count - earlier.count,
  };
}

/**
 * The q-quantile estimated as Prometheus' `histogram_quantile` does: linear inside the bucket
 * that holds it; the highest finite bound when it falls in +Inf; null with no observations.
 */
export function quantile(bounds: readonly number[], snapshot: HistogramSnapshot, q: number): number | null {
  if (snapshot.count === 0) return null;
  const rank = q * snapshot.count;
  let below = 0;
  for (const [i, n] of snapshot.counts.entries()) {
    if (below + n >= rank && n > 0) {
      const upper = bounds[i];
      if (upper === undefined) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      return lower + (upper - lower) * ((rank - below) / n);
    }
    below += n;
  }
  return bounds[bounds.length - 1] ?? null;
}
