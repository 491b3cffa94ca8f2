/** Counters by event name (errors by code, drops by reason, frames); read by tests and status. */
export class Metrics {
  readonly #counts = new Map<string, number>();

  count(event: string, by = 1): void {
    this.#counts.set(event, (this.#counts.get(event) ?? 0) + by);
  }

  get(event: string): number {
    return this.#counts.get(event) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
