import type { Clock, TimerHandle } from '../../shared/clock.js';

/**
 * What waits while a proxy's record is provisional (DESIGN §7, protocol/blobs/provisional.ts
 * decides what waits): items in arrival order, and a timer that wakes the proxy when the blob
 * keepers' grace ends. In memory only, like held requests: devices resend what goes unanswered.
 */
export class KeeperWait<T> {
  readonly #clock: Clock;
  readonly #wake: () => void;
  #items: T[] | null = null;
  #timer: TimerHandle | null = null;

  /** `wake` runs when the grace's time is up (the proxy then sees it is over). */
  constructor(clock: Clock, wake: () => void) {
    this.#clock = clock;
    this.#wake = wake;
  }

  /** Whether the record is (still) treated as provisional. */
  get active(): boolean {
    return this.#items !== null;
  }

  get size(): number {
    return this.#items?.length ?? 0;
  }

  /** The record is provisional until `endsAt` at most; armed once, again only after it fired. */
  begin(endsAt: number): void {
    this.#items ??= [];
    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#wake();
    }, Math.max(0, endsAt - this.#clock.now()));
  }

  /** Sets an item aside; true when it is the first of this wait. */
  park(item: T): boolean {
    const items = (this.#items ??= []);
    items.push(item);
    return items.length === 1;
  }

  /** The wait is over: what waited, in arrival order. */
  end(): T[] {
    const items = this.#items ?? [];
    this.stop();
    return items;
  }

  stop(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#items = null;
  }
}
