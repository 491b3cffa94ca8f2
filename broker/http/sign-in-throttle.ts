/** Wrong credentials an address may send before it waits. */
const FREE_FAILURES = 5;
/** The first wait; each further failure doubles it, up to MAX_WAIT_MS. */
const BASE_WAIT_MS = 1000;
const MAX_WAIT_MS = 15 * 60_000;
/** Addresses remembered at once; the oldest is forgotten first (an attacker with many addresses gains a few free guesses, not memory). */
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  /** Until when this address is refused without a check. */
  until: number;
}

/**
 * Wrong admin credentials (sign-ins and Bearer tokens alike) per remote address, with backoff:
 * after a few, the address waits 1 s, 2 s, 4 s … up to 15 min between guesses. Per address, so
 * a guessing page elsewhere does not lock the admin out; a right credential clears its address.
 */
export class SignInThrottle {
  readonly #failures = new Map<string, Failures>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** True while `address` must wait before its next guess. */
  blocked(address: string): boolean {
    const entry = this.#failures.get(address);
    return entry !== undefined && entry.until > this.#now();
  }

  failed(address: string): void {
    const entry = this.#failures.get(address) ?? { count: 0, until: 0 };
    entry.count++;
    if (entry.count > FREE_FAILURES) entry.until = this.#now() + Math.min(BASE_WAIT_MS * 2 ** (entry.count - FREE_FAILURES - 1), MAX_WAIT_MS);
    // Re-inserted, so the map's order is the order of last failure: the front is the stalest.
    this.#failures.delete(address);
    this.#failures.set(address, entry);
    if (this.#failures.size > MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }
}
