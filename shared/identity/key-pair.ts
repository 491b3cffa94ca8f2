import nacl from 'tweetnacl';
import { SteadError } from '../errors.js';
import { assertName } from '../names.js';
import { fromBase64Url, toBase64Url } from './base64url.js';

/** DESIGN §7: each device has an ed25519 key pair; the broker's registry holds the public key only. */
export const PUBLIC_KEY_BYTES = nacl.sign.publicKeyLength;
export const SECRET_KEY_BYTES = nacl.sign.secretKeyLength;

/** A device's identity as its key file holds it (docs/identity.md): the device id names the key. */
export interface DeviceKey {
  readonly device: string;
  /** 32 bytes. */
  readonly publicKey: Uint8Array;
  /** tweetnacl's 64-byte secret key (seed followed by the public key). */
  readonly secretKey: Uint8Array;
}

/** Makes a key pair with tweetnacl, so the device side stays pure JavaScript. */
export function newDeviceKey(device: string): DeviceKey {
  assertName('id', device);
  const pair = nacl.sign.keyPair();
  return { device, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** The key file's JSON (version 1): `{ v, device, publicKey, secretKey }`, keys in base64url. */
export function encodeDeviceKey(key: DeviceKey): string {
  return `${JSON.stringify({ v: 1, device: key.device, publicKey: toBase64Url(key.publicKey), secretKey: toBase64Url(key.secretKey) }, null, 2)}\n`;
}

/** Parses a key file (BAD_KEY when it is not one). */
export function decodeDeviceKey(text: string): DeviceKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SteadError('BAD_KEY', 'a key file is not JSON', { cause: error });
  }
  const fields = (parsed ?? {}) as Record<string, unknown>;
  if (fields.v !== 1 || typeof fields.device !== 'string') throw new SteadError('BAD_KEY', 'a key file must be { v: 1, device, publicKey, secretKey }');
  assertName('id', fields.device);
  const publicKey = decodePublicKey(fields.publicKey);
  const secretKey = typeof fields.secretKey === 'string' ? fromBase64Url(fields.secretKey, SECRET_KEY_BYTES) : null;
  if (!secretKey) throw new SteadError('BAD_KEY', `the key file of ${fields.device} has no valid secretKey`);
  // The secret key carries its public half: a file whose halves disagree was edited by hand.
  if (Buffer.compare(secretKey.subarray(32), publicKey) !== 0) throw new SteadError('BAD_KEY', `the key file of ${fields.device} has mismatched halves`);
  return { device: fields.device, publicKey, secretKey };
}

/** A 32-byte ed25519 public key from its base64url text (BAD_KEY otherwise). */
export function decodePublicKey(value: unknown): Uint8Array {
  const key = typeof value === 'string' ? fromBase64Url(value, PUBLIC_KEY_BYTES) : null;
  if (!key) throw new SteadError('BAD_KEY', 'a public key is 32 bytes in base64url');
  return key;
}
