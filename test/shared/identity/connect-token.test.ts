import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  connectMessage,
  decodeDeviceKey,
  decodePublicKey,
  fromBase64Url,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  TOKEN_NONCE_BYTES,
  encodeDeviceKey,
  newDeviceKey,
  parseConnectToken,
  signConnectToken,
  toBase64Url,
} from '../../../shared/identity/index.js';
import { codeOf } from '../../helpers/errors.js';
import { respellings } from '../../helpers/respellings.js';

const key = newDeviceKey('shop-1');

describe('the CONNECT token (docs/identity.md)', () => {
  it('a tweetnacl signature verifies with Node’s Ed25519 over the same message', () => {
    const nonce = new Uint8Array(16).fill(7);
    const token = signConnectToken(key, 'shop-1/a', 'stead', 1_700_000_000_000, nonce);
    const parsed = parseConnectToken(token);
    expect(parsed).toMatchObject({ timestamp: 1_700_000_000_000, nonce });
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(key.publicKey) }, format: 'jwk' });
    const message = connectMessage({ device: 'shop-1', clientId: 'shop-1/a', audience: 'stead', timestamp: 1_700_000_000_000, nonce });
    expect(verify(null, message, publicKey, parsed?.signature as Uint8Array)).toBe(true);
  });

  it('the signed message is a JSON array: a client id cannot run into the audience', () => {
    const nonce = new Uint8Array(16);
    const a = connectMessage({ device: 'd', clientId: 'x","y', audience: 'z', timestamp: 1, nonce });
    const b = connectMessage({ device: 'd', clientId: 'x', audience: 'y","z', timestamp: 1, nonce });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).not.toBe(0);
  });

  it.each([
    ['empty', ''],
    ['another version', `v2.1.${'A'.repeat(22)}.${'A'.repeat(86)}`],
    ['a short nonce', `v1.1.${'A'.repeat(21)}.${'A'.repeat(86)}`],
    ['a short signature', `v1.1.${'A'.repeat(22)}.${'A'.repeat(85)}`],
    ['a signed timestamp', `v1.-1.${'A'.repeat(22)}.${'A'.repeat(86)}`],
    ['padding', `v1.1.${'A'.repeat(22)}.${'A'.repeat(84)}==`],
    ['a fifth part', `v1.1.${'A'.repeat(22)}.${'A'.repeat(86)}.x`],
  ])('parse refuses %s', (_name, token) => {
    expect(parseConnectToken(token)).toBeNull();
  });

  it('parse never throws, whatever the password', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => void parseConnectToken(text)));
  });
});

describe('key files', () => {
  it('round trip', () => {
    const back = decodeDeviceKey(encodeDeviceKey(key));
    expect(back.device).toBe('shop-1');
    expect(Buffer.from(back.secretKey).equals(Buffer.from(key.secretKey))).toBe(true);
  });

  it.each([
    ['not JSON', 'nope'],
    ['no version', JSON.stringify({ device: 'a' })],
    ['a bad device id', encodeDeviceKey(key).replace('shop-1', 'Shop 1')],
    ['mismatched halves', encodeDeviceKey({ ...key, publicKey: newDeviceKey('x').publicKey })],
    ['no secret', JSON.stringify({ v: 1, device: 'a', publicKey: toBase64Url(key.publicKey) })],
  ])('refuses %s with BAD_KEY or INVALID_NAME', (_name, text) => {
    expect(['STEAD_E_BAD_KEY', 'STEAD_E_INVALID_NAME']).toContain(codeOf(() => decodeDeviceKey(text)));
  });
});

describe('canonical base64url (one spelling per value)', () => {
  it.each([
    ['a nonce', TOKEN_NONCE_BYTES, 15],
    ['a signature', SIGNATURE_BYTES, 15],
    ['a public key', PUBLIC_KEY_BYTES, 3],
  ])('%s: the canonical spelling decodes, each of its %i-byte respellings does not', (_name, bytes, count) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: bytes, maxLength: bytes }), (value) => {
        const text = toBase64Url(value);
        expect(fromBase64Url(text, bytes)).toEqual(value);
        const others = respellings(text, bytes);
        expect(others).toHaveLength(count);
        for (const other of others) expect(fromBase64Url(other, bytes)).toBeNull();
      }),
    );
  });

  it('a respelled public key is BAD_KEY', () => {
    for (const other of respellings(toBase64Url(key.publicKey), PUBLIC_KEY_BYTES)) expect(codeOf(() => decodePublicKey(other))).toBe('STEAD_E_BAD_KEY');
  });

  it('a token with a respelled nonce does not parse', () => {
    const parts = signConnectToken(key, 'shop-1/a', 'stead', 1, new Uint8Array(16).fill(1)).split('.');
    for (const nonce of respellings(parts[2] ?? '', TOKEN_NONCE_BYTES)) expect(parseConnectToken([parts[0], parts[1], nonce, parts[3]].join('.'))).toBeNull();
  });
});
