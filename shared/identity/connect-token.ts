import nacl from 'tweetnacl';
import { fromBase64Url, toBase64Url } from './base64url.js';
import type { DeviceKey } from './key-pair.js';

/**
 * The CONNECT proof (DESIGN §7; docs/identity.md). The MQTT username is the device id; the
 * password is `v1.<timestamp ms>.<nonce>.<signature>` (nonce 16 bytes, signature 64 bytes, both
 * base64url), the ed25519 signature over `connectMessage(...)`: a JSON array, so no field can
 * run into the next whatever bytes the client id holds. The broker checks the signature, the
 * clock window and that the nonce was not seen within it (single use).
 */
export const TOKEN_VERSION = 'v1';
export const TOKEN_NONCE_BYTES = 16;
export const SIGNATURE_BYTES = nacl.sign.signatureLength;
/** The longest password a v1 token can be; the broker does not parse longer ones. */
export const MAX_TOKEN_LENGTH = 2 + 1 + 16 + 1 + 22 + 1 + 86;

export interface ConnectClaims {
  device: string;
  clientId: string;
  audience: string;
  timestamp: number;
  nonce: Uint8Array;
}

/** The bytes both sides sign and verify. */
export function connectMessage(claims: ConnectClaims): Uint8Array {
  const fields = ['stead-connect', TOKEN_VERSION, claims.device, claims.clientId, claims.audience, claims.timestamp, toBase64Url(claims.nonce)];
  return new TextEncoder().encode(JSON.stringify(fields));
}

/** Signs a CONNECT for `clientId` (device side, tweetnacl). */
export function signConnectToken(key: DeviceKey, clientId: string, audience: string, timestamp: number, nonce: Uint8Array): string {
  const signature = nacl.sign.detached(connectMessage({ device: key.device, clientId, audience, timestamp, nonce }), key.secretKey);
  return `${TOKEN_VERSION}.${timestamp}.${toBase64Url(nonce)}.${toBase64Url(signature)}`;
}

export interface ParsedToken {
  timestamp: number;
  /** Decoded canonically (base64url.ts): one nonce has one spelling, so the replay cache keys on these bytes. */
  nonce: Uint8Array;
  signature: Uint8Array;
}

const TIMESTAMP = /^[0-9]{1,16}$/;

/** Splits a password into its parts; null when it is not a well-formed v1 token. */
export function parseConnectToken(password: string): ParsedToken | null {
  if (password.length > MAX_TOKEN_LENGTH) return null;
  const parts = password.split('.');
  if (parts.length !== 4 || parts[0] !== TOKEN_VERSION) return null;
  const [, time = '', nonceText = '', signatureText = ''] = parts;
  if (!TIMESTAMP.test(time)) return null;
  const timestamp = Number(time);
  const nonce = fromBase64Url(nonceText, TOKEN_NONCE_BYTES);
  const signature = fromBase64Url(signatureText, SIGNATURE_BYTES);
  if (!Number.isSafeInteger(timestamp) || !nonce || !signature) return null;
  return { timestamp, nonce, signature };
}
