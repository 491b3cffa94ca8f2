/**
 * The nonces of accepted CONNECT tokens, each kept until its token can no longer pass the clock
 * window (DESIGN §7: single use). A token accepted at `t` has a timestamp ≤ t + window, so it is
 * dead by t + 2·window: entries expire in the order they were added and are swept from the
 * front of the map. Memory is bounded by `capacity`: when full of live nonces, new CONNECTs are
 * refused (fail closed) rather than a live nonce forgotten.
 */
export class ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #capacity: number;

  constructor(windowMs: number, capacity: number) {
    this.#ttlMs = 2 * windowMs;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#seen.size;
  }

  has(key: string, now: number): boolean {
    this.#sweep(now);
    return this.#seen.has(key);
  }

  /** Remembers a nonce; false when the cache is full of live nonces. */
  add(key: string, now: number): boolean {
    this.#sweep(now);
    if (this.#seen.size >= this.#capacity) return false;
    this.#seen.set(key, now + this.#ttlMs);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, expires] of this.#seen) {
      if (expires > now) return;
      this.#seen.delete(key);
    }
  }
}
