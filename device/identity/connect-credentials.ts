import type { Clock } from '../../shared/clock.js';
import { signConnectToken, TOKEN_NONCE_BYTES } from '../../shared/identity/connect-token.js';
import type { DeviceKey } from '../../shared/identity/key-pair.js';
import { randomBytes } from 'node:crypto';

/** Part of `stead/device` as before; the one definition is shared/defaults.ts's. */
export { DEFAULT_AUDIENCE } from '../../shared/defaults.js';

/**
 * MQTT credentials proving a key (DESIGN §7): username the device id, password a token signed
 * for this client id, audience and moment. A fresh token per CONNECT: each is single use.
 */
export function connectCredentials(key: DeviceKey, clientId: string, audience: string, clock: Clock): { username: string; password: Buffer } {
  const token = signConnectToken(key, clientId, audience, clock.now(), new Uint8Array(randomBytes(TOKEN_NONCE_BYTES)));
  return { username: key.device, password: Buffer.from(token) };
}

/** MQTT CONNACK codes that refuse the credentials: 4 and 5 in 3.1.1, 0x86 and 0x87 in MQTT 5. */
export function isCredentialRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 4 || code === 5 || code === 0x86 || code === 0x87;
}
