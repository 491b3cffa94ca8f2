import { verify } from 'node:crypto';
import { connectMessage, parseConnectToken } from '../../shared/identity/connect-token.js';
import type { LiveKey, RegistrySnapshot } from './registry.js';
import type { ReplayCache } from './replay-cache.js';

/** Why a CONNECT was refused; each is logged and counted as `auth.refused.<reason>`. */
export type RefusalReason = 'anonymous' | 'unknown' | 'revoked' | 'malformed' | 'client_id' | 'expired' | 'replayed' | 'forged' | 'replay_cache_full';

export type Verdict = { readonly ok: true; readonly key: LiveKey } | { readonly ok: false; readonly reason: RefusalReason };

export interface ConnectCheck {
  readonly registry: RegistrySnapshot;
  readonly replays: ReplayCache;
  readonly audience: string;
  readonly windowMs: number;
  readonly now: number;
}

/**
 * Checks a CONNECT's username (device id) and password (token, shared/identity/connect-token.ts)
 * cheapest first, so a flood of junk costs no signature checks: shape, key, client id, clock
 * window, replay; then the signature; a nonce is remembered only once its signature verified,
 * so forged tokens cannot fill the replay cache.
 */
export function verifyConnect(check: ConnectCheck, clientId: string, device: string, password: Buffer | undefined): Verdict {
  const key = check.registry.get(device);
  if (!key) return refuse(check.registry.isRevoked(device) ? 'revoked' : 'unknown');
  const token = password && password.length <= 256 ? parseConnectToken(password.toString('utf8')) : null;
  if (!token) return refuse('malformed');
  if (!ownsClientId(device, clientId)) return refuse('client_id');
  if (Math.abs(check.now - token.timestamp) > check.windowMs) return refuse('expired');
  const replayKey = `${device}\n${token.nonceText}`;
  if (check.replays.has(replayKey, check.now)) return refuse('replayed');
  const message = connectMessage({ device, clientId, audience: check.audience, timestamp: token.timestamp, nonce: token.nonce });
  if (!verify(null, message, key.keyObject, token.signature)) return refuse('forged');
  if (!check.replays.add(replayKey, check.now)) return refuse('replay_cache_full');
  return { ok: true, key };
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
