import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Store } from '../store/types.js';

/** How often the store is asked for proxies coming due, and how far ahead. */
export const WAKE_SCAN_MS = 60_000;

/**
 * Finds stored proxies that must wake (record/wake-at.ts) a little before they come due, on the
 * injected clock: at start, then every WAKE_SCAN_MS, each proxy due within the next WAKE_SCAN_MS
 * is handed to `wake` (which loads it; a live proxy arms its own exact wake-up). With idle
 * sessions swept nearly every stored proxy has a wake time: loading them all at start would load
 * the whole store.
 */
export class WakeScan {
  readonly #clock: Clock;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #wake: (key: string) => void;
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(clock: Clock, store: Store, log: Logger, wake: (key: string) => void) {
    this.#clock = clock;
    this.#store = store;
    this.#log = log;
    this.#wake = wake;
  }

  /** The first scan (awaited: proxies already due wake at start), then one every WAKE_SCAN_MS. */
  async start(): Promise<void> {
    await this.#scan();
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #scan(): Promise<void> {
    for (const key of await this.#store.listWaking(this.#clock.now() + WAKE_SCAN_MS)) this.#wake(key);
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      // A failed scan is retried at the next one; nothing is lost, the wake times stay stored.
      this.#scan().catch((error: unknown) => this.#log.warn({ err: error }, 'wake scan failed')).finally(() => this.#arm());
    }, WAKE_SCAN_MS);
  }
}
