import { scaled } from './time-scale.js';

/**
 * Waits until `check` returns true, re-checking on every event-loop turn that lets I/O run.
 * For state that has no event of its own to await (counters on the far side of a socket).
 */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + scaled(timeoutMs);
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * What an event handler hands over, in order, and a wait for the next ones: `push` is the
 * handler, `count(n)` resolves once n items arrived (an event wait, not a poll), failing after
 * a deadline of the one scale factor with what did arrive.
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  #waiters: { n: number; resolve: () => void }[] = [];

  readonly push = (item: T): void => {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((waiter) => (this.items.length >= waiter.n ? (waiter.resolve(), false) : true));
  };

  /** Every item so far, once at least `n` arrived (more than expected shows in the result). */
  async count(n: number, timeoutMs = 10_000): Promise<T[]> {
    if (this.items.length < n) {
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<void>((resolve) => this.#waiters.push({ n, resolve }));
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${this.items.length} of ${n} items arrived: ${JSON.stringify(this.items)}`)), scaled(timeoutMs));
      });
      try {
        await Promise.race([arrived, late]);
      } finally {
        clearTimeout(timer);
      }
    }
    return [...this.items];
  }
}
