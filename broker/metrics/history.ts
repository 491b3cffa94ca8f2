import type { Metrics } from './event-feed.js';
import { difference, quantile, type HistogramSnapshot } from './histogram.js';

/** One tick of the recent past: rates and the call p99 over the interval before `at`. */
export interface HistoryPoint {
  /** ms since the epoch. */
  readonly at: number;
  readonly callsPerSecond: number;
  readonly commitsPerSecond: number;
  readonly errorsPerSecond: number;
  /** Seconds; null when no call was answered in the interval. */
  readonly p99: number | null;
}

interface Tick {
  readonly at: number;
  readonly calls: HistogramSnapshot;
  readonly commits: number;
  readonly errors: number;
}

export interface HistoryOptions {
  /** Tick interval in ms; default 1000. */
  everyMs?: number;
  /** Ticks kept; default 300 (five minutes at one a second). */
  keep?: number;
  now?: () => number;
}

/**
 * The last minutes of the event feed, one tick a second: what the dashboard charts and what
 * `stead status` reports as rates. Reads the feed on its own timer, so the hot path pays nothing.
 */
export class History {
  readonly #metrics: Metrics;
  readonly #keep: number;
  readonly #now: () => number;
  readonly #ticks: Tick[] = [];
  readonly #points: HistoryPoint[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #listeners = new Set<(point: HistoryPoint) => void>();

  constructor(metrics: Metrics, options: HistoryOptions = {}) {
    this.#metrics = metrics;
    this.#keep = options.keep ?? 300;
    this.#now = options.now ?? Date.now;
    this.#ticks.push(this.#read());
    this.#timer = setInterval(() => this.tick(), options.everyMs ?? 1000);
    this.#timer.unref();
  }

  get points(): readonly HistoryPoint[] {
    return this.#points;
  }

  /** Called with each new point (the dashboard's live feed); returns the unsubscribe. */
  subscribe(listener: (point: HistoryPoint) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Rates and p99 over the last `windowMs` (or as far back as kept), up to now. */
  recent(windowMs: number): Omit<HistoryPoint, 'at'> {
    const now = this.#read();
    const from = this.#ticks.find((t) => t.at >= now.at - windowMs) ?? now;
    return rates(from, now, this.#metrics.histogram('call').bounds);
  }

  tick(): void {
    const now = this.#read();
    const previous = this.#ticks[this.#ticks.length - 1] ?? now;
    const point = { at: now.at, ...rates(previous, now, this.#metrics.histogram('call').bounds) };
    this.#ticks.push(now);
    this.#points.push(point);
    if (this.#ticks.length > this.#keep + 1) this.#ticks.shift();
    if (this.#points.length > this.#keep) this.#points.shift();
    for (const listener of this.#listeners) listener(point);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }

  #read(): Tick {
    let errors = 0;
    for (const [event, n] of Object.entries(this.#metrics.snapshot())) if (event.startsWith('STEAD_E_')) errors += n;
    return { at: this.#now(), calls: this.#metrics.histogram('call').snapshot(), commits: this.#metrics.histogram('batch').sum, errors };
  }
}

function rates(from: Tick, to: Tick, bounds: readonly number[]): Omit<HistoryPoint, 'at'> {
  const seconds = Math.max((to.at - from.at) / 1000, 1e-3);
  const calls = difference(to.calls, from.calls);
  return {
    callsPerSecond: calls.count / seconds,
    commitsPerSecond: (to.commits - from.commits) / seconds,
    errorsPerSecond: (to.errors - from.errors) / seconds,
    p99: quantile(bounds, calls, 0.99),
  };
}
