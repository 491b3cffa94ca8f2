import { verify } from 'node:crypto';
import { connectMessage, parseConnectToken } from '../../shared/identity/connect-token.js';
import type { LiveKey, RegistrySnapshot } from './registry.js';
import type { ClaimOutcome, ReplayGuard } from './replay-cache.js';

/** Why a CONNECT was refused; each is logged and counted as `auth.refused.<reason>`. */
export type RefusalReason =
  | 'anonymous'
  | 'anonymous_persistent'
  | 'unknown'
  | 'revoked'
  | 'malformed'
  | 'client_id'
  | 'expired'
  | 'before_start'
  | 'replayed'
  | 'forged'
  | 'replay_key_full'
  | 'replay_cache_full'
  | 'quota_connections';

export type Verdict = { readonly ok: true; readonly key: LiveKey } | { readonly ok: false; readonly reason: RefusalReason };

export interface ConnectCheck {
  readonly registry: RegistrySnapshot;
  readonly replays: ReplayGuard;
  readonly audience: string;
  readonly windowMs: number;
  /**
   * Tokens stamped before this are refused: the broker's start less a slack. The replay cache
   * lives in the process, so without this a token used before a restart (or on another broker
   * of the same store, before this one started) would be fresh again; devices sign a new token
   * per CONNECT, so honest ones are not refused.
   */
  readonly notBefore: number;
  readonly now: number;
}

/**
 * Checks a CONNECT's username (device id) and password (token, shared/identity/connect-token.ts)
 * cheapest first, so a flood of junk costs no signature checks: shape, key, client id, clock
 * window, broker start, a known replay; then the signature; a nonce is claimed only once its
 * signature verified, so forged tokens cannot fill the replay cache. Synchronous with the
 * in-process replay cache; a promise with a shared one.
 */
export function verifyConnect(check: ConnectCheck, clientId: string, device: string, password: Buffer | undefined): Verdict | Promise<Verdict> {
  const key = check.registry.get(device);
  if (!key) return refuse(check.registry.isRevoked(device) ? 'revoked' : 'unknown');
  const token = password && password.length <= 256 ? parseConnectToken(password.toString('utf8')) : null;
  if (!token) return refuse('malformed');
  if (!ownsClientId(device, clientId)) return refuse('client_id');
  if (Math.abs(check.now - token.timestamp) > check.windowMs) return refuse('expired');
  if (token.timestamp < check.notBefore) return refuse('before_start');
  if (check.replays.seen(device, token.nonce, check.now)) return refuse('replayed');
  const message = connectMessage({ device, clientId, audience: check.audience, timestamp: token.timestamp, nonce: token.nonce });
  if (!verify(null, message, key.keyObject, token.signature)) return refuse('forged');
  const claimed = check.replays.claim(device, token.nonce, check.now, key.admin);
  return typeof claimed === 'string' ? afterClaim(claimed, key) : claimed.then((outcome) => afterClaim(outcome, key));
}

const CLAIM_REFUSALS: Readonly<Record<Exclude<ClaimOutcome, 'fresh'>, RefusalReason>> = {
  replayed: 'replayed',
  key_full: 'replay_key_full',
  full: 'replay_cache_full',
};

function afterClaim(outcome: ClaimOutcome, key: LiveKey): Verdict {
  return outcome === 'fresh' ? { ok: true, key } : refuse(CLAIM_REFUSALS[outcome]);
}

/**
 * A key's connections use client ids `<device>` or `<device>/<anything>`, so no key (and no
 * anonymous client) can take over another device's MQTT session by reusing its client id.
 */
export function ownsClientId(device: string, clientId: string): boolean {
  return clientId === device || (clientId.startsWith(device) && clientId.charCodeAt(device.length) === 0x2f);
}

/** The device whose client-id space an id falls in (its part before the first `/`). */
export function clientIdOwner(clientId: string): string {
  const slash = clientId.indexOf('/');
  return slash < 0 ? clientId : clientId.slice(0, slash);
}

function refuse(reason: RefusalReason): Verdict {
  return { ok: false, reason };
}
