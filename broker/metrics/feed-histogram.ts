import { Histogram, type MetricType, type Registry } from 'prom-client';

/** prom-client's types declare `MetricType` as an enum, but the package exports no value for it. */
const HISTOGRAM = 'histogram' as unknown as MetricType;

/** Cumulative bucket counts (one per bound, then +Inf), their sum and count. */
export interface HistogramValues {
  readonly cumulative: readonly number[];
  readonly sum: number;
  readonly count: number;
}

type Values = Awaited<ReturnType<Histogram<'le'>['get']>>['values'];

/**
 * A prom-client histogram whose values are read on scrape from elsewhere: the event feed's
 * allocation-free buckets, or a distribution computed from a fleet sample. prom-client formats
 * it; `observe` is never called on it.
 */
export class FeedHistogram extends Histogram<'le'> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #read: () => HistogramValues;

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[], read: () => HistogramValues) {
    super({ name, help, buckets: [...bounds], registers: [registry] });
    this.#name = name;
    this.#help = help;
    this.#bounds = bounds;
    this.#read = read;
  }

  override get(): ReturnType<Histogram<'le'>['get']> {
    return this.getForPromString();
  }

  /**
   * prom-client's registry writes the text format from `getForPromString` when a metric has
   * one (its histograms do), from `get` otherwise: both answer the same values here.
   */
  async getForPromString(): ReturnType<Histogram<'le'>['get']> {
    const { cumulative, sum, count } = this.#read();
    const bucket = `${this.#name}_bucket`;
    const values: Values = this.#bounds.map((le, i) => ({ metricName: bucket, labels: { le }, value: cumulative[i] ?? 0 }));
    values.push({ metricName: bucket, labels: { le: '+Inf' }, value: count });
    return {
      name: this.#name,
      help: this.#help,
      type: HISTOGRAM,
      aggregator: 'sum',
      collect: noCollect,
      values: [...values, { metricName: `${this.#name}_sum`, labels: {}, value: sum }, { metricName: `${this.#name}_count`, labels: {}, value: count }],
    };
  }
}

function noCollect(): void {}

/** The distribution of `values` over `bounds`, as a histogram's values. */
export function distribution(bounds: readonly number[], values: readonly number[]): HistogramValues {
  const cumulative = bounds.map(() => 0);
  let sum = 0;
  for (const value of values) {
    sum += value;
    for (let i = bounds.length - 1; i >= 0 && value <= (bounds[i] as number); i--) cumulative[i] = (cumulative[i] as number) + 1;
  }
  return { cumulative, sum, count: values.length };
}
