import type { Random } from '../shared/random.js';

export interface BackoffOptions {
  /** First delay; default 100 ms. */
  initialMs?: number;
  /** Largest delay; default 30 s. */
  maxMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
}

/**
 * Exponential backoff with jitter: the delay is uniform in [c/2, c] for c = min(max, initial·factorⁿ),
 * so a fleet of gadgets that lost the broker together does not return in lockstep.
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #random: Random;
  #attempt = 0;

  constructor(options: BackoffOptions, random: Random) {
    this.#initial = options.initialMs ?? 100;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#random = random;
  }

  next(): number {
    const ceiling = Math.min(this.#max, this.#initial * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.round(ceiling * (0.5 + this.#random.fraction() * 0.5));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
