/** What a claim of a token's nonce found (docs/identity.md, the replay cache). */
export type ClaimOutcome = 'fresh' | 'replayed' | 'key_full' | 'full';

/**
 * The single-use rule of CONNECT tokens (DESIGN §7) behind one interface, so that brokers
 * sharing a store can share it too (scale-out puts it in Redis: a set-if-absent with a TTL per
 * nonce and a counter per key). Nonces are the decoded bytes, never their spelling.
 */
export interface ReplayGuard {
  /** A cheap look before the signature check: true when the nonce is known to be used. */
  seen(device: string, nonce: Uint8Array, now: number): boolean;
  /**
   * Claims the nonce of a token whose signature verified, atomically: `fresh` the first time,
   * `replayed` after. `key_full` when this key holds its whole share of live nonces, `full` when
   * the cache does; a `reserved` key (the admin role) is never refused for the others' use.
   */
  claim(device: string, nonce: Uint8Array, now: number, reserved: boolean): ClaimOutcome | Promise<ClaimOutcome>;
}

export interface ReplayCacheOptions {
  /** The clock window (± ms): a nonce is kept for two of them. */
  readonly windowMs: number;
  /** Most nonces at once. */
  readonly capacity: number;
  /** Most nonces of one key at once: one key cannot fill the cache and lock out the others. */
  readonly perKey: number;
}

/**
 * The in-process replay guard: each nonce kept until its token can no longer pass the clock
 * window. A token accepted at `t` has a timestamp ≤ t + window, so it is dead by t + 2·window:
 * entries expire in the order they were added and are swept from the front of the map. Memory is
 * bounded by `capacity` (plus the reserved keys' shares): when full of live nonces, CONNECTs are
 * refused (fail closed) rather than a live nonce forgotten, and a key over its share is refused
 * alone.
 */
export class ReplayCache implements ReplayGuard {
  /** `<device>\n<nonce bytes as latin1>` → expiry. Device ids hold no newline (names). */
  readonly #seen = new Map<string, number>();
  readonly #perKeyCount = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #perKey: number;

  constructor(options: ReplayCacheOptions) {
    this.#ttlMs = 2 * options.windowMs;
    this.#capacity = options.capacity;
    this.#perKey = options.perKey;
  }

  get size(): number {
    return this.#seen.size;
  }

  seen(device: string, nonce: Uint8Array, now: number): boolean {
    this.#sweep(now);
    return this.#seen.has(entryKey(device, nonce));
  }

  claim(device: string, nonce: Uint8Array, now: number, reserved: boolean): ClaimOutcome {
    this.#sweep(now);
    const key = entryKey(device, nonce);
    if (this.#seen.has(key)) return 'replayed';
    const held = this.#perKeyCount.get(device) ?? 0;
    if (held >= this.#perKey) return 'key_full';
    if (!reserved && this.#seen.size >= this.#capacity) return 'full';
    this.#seen.set(key, now + this.#ttlMs);
    this.#perKeyCount.set(device, held + 1);
    return 'fresh';
  }

  #sweep(now: number): void {
    for (const [key, expires] of this.#seen) {
      if (expires > now) return;
      this.#seen.delete(key);
      const device = key.slice(0, key.indexOf('\n'));
      const held = (this.#perKeyCount.get(device) ?? 1) - 1;
      if (held > 0) this.#perKeyCount.set(device, held);
      else this.#perKeyCount.delete(device);
    }
  }
}

function entryKey(device: string, nonce: Uint8Array): string {
  return `${device}\n${Buffer.from(nonce.buffer, nonce.byteOffset, nonce.length).toString('latin1')}`;
}
