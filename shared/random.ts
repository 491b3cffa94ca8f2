import { randomBytes } from 'node:crypto';
import { NONCE_BYTES } from './wire/frames.js';

/** The one source of randomness (STYLE §6): nonces, tokens and jitter come from here. */
export interface Random {
  nonce(): Uint8Array;
  /** A float in [0, 1). */
  fraction(): number;
}

export const systemRandom: Random = {
  nonce: () => new Uint8Array(randomBytes(NONCE_BYTES)),
  fraction: () => Math.random(),
};
