import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RegistrySnapshot, type KeyEntry } from '../broker/auth/registry.js';
import { ReplayCache } from '../broker/auth/replay-cache.js';
import { verifyConnect } from '../broker/auth/verify-connect.js';
import { connectMessage, TOKEN_NONCE_BYTES, TOKEN_VERSION } from '../shared/identity/connect-token.js';
import { toBase64Url } from '../shared/identity/base64url.js';

export interface VerifyResults {
  tokens: number;
  /** Broker CPU for all of them, ms (one thread, nothing else running). */
  totalMs: number;
  usEach: number;
  perSecond: number;
}

/**
 * A reconnect storm's CONNECT checks (issue 8: 10,000 in ≤ 2 s of broker CPU): `tokens` devices,
 * each with its own key, connect once after a broker start, so every key object is made cold, as
 * then. Timed: the broker's own check (`verifyConnect`: registry, clock window, replay cache,
 * Node's Ed25519 verify). The tokens are signed beforehand with Node's Ed25519 (the same
 * signatures as tweetnacl's, which would take minutes to make 10,000 of).
 */
export function runVerifyBench(tokens: number): VerifyResults {
  const now = Date.now();
  const keys: Record<string, KeyEntry> = {};
  const connects: { device: string; clientId: string; password: Buffer }[] = [];
  for (let i = 0; i < tokens; i++) {
    const device = `dev-${i}`;
    const clientId = `${device}/bench`;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'jwk' }).x as string;
    keys[device] = { publicKey: raw, role: 'device', proxies: ['*/{device}'], topics: [], createdAt: now, revokedAt: null };
    const nonce = new Uint8Array(randomBytes(TOKEN_NONCE_BYTES));
    const signature = sign(null, connectMessage({ device, clientId, audience: 'stead', timestamp: now, nonce }), privateKey);
    connects.push({ device, clientId, password: Buffer.from(`${TOKEN_VERSION}.${now}.${toBase64Url(nonce)}.${toBase64Url(signature)}`) });
  }
  const replays = new ReplayCache({ windowMs: 300_000, capacity: 200_000, perKey: 10_000 });
  const check = { registry: new RegistrySnapshot(1, { keys }), replays, audience: 'stead', windowMs: 300_000, notBefore: now - 5_000, now };
  const started = performance.now();
  let accepted = 0;
  for (const c of connects) {
    // The in-process replay cache answers at once: never a promise here.
    const verdict = verifyConnect(check, c.clientId, c.device, c.password);
    if (!(verdict instanceof Promise) && verdict.ok) accepted++;
  }
  const totalMs = performance.now() - started;
  if (accepted !== tokens) throw new Error(`verify bench: ${tokens - accepted} of ${tokens} tokens refused`);
  return { tokens, totalMs, usEach: (totalMs * 1000) / tokens, perSecond: tokens / (totalMs / 1000) };
}

export function verifyLine(r: VerifyResults): string {
  return `CONNECT verification: ${r.tokens} tokens (one key each, cold) in ${r.totalMs.toFixed(0)} ms: ${r.usEach.toFixed(1)} µs each, ${Math.round(r.perSecond)}/s`;
}
