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

export function bytesEqual(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  // Nonces compare fastest in a loop; state snapshots (longer) natively.
  if (a.length > 32) return Buffer.compare(a, b) === 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
