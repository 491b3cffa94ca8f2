/** Base64url without padding (RFC 4648 §5): keys, nonces and signatures in tokens and key files. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The bytes of a base64url string, or null when it is not one, does not decode to `length`
 * bytes, or is not the canonical spelling of them. RFC 4648 §3.5: the unused low bits of the
 * last character may be anything to a lenient decoder, so one value has several spellings; a
 * token field must have one (a respelled nonce would otherwise be a new nonce to the replay
 * cache over the same signed bytes). Re-encoding and comparing covers nonces, signatures and
 * public keys alike.
 */
export function fromBase64Url(text: string, length: number): Uint8Array | null {
  if (!BASE64URL.test(text) || text.length !== Math.ceil((length * 4) / 3)) return null;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== length || bytes.toString('base64url') !== text) return null;
  return new Uint8Array(bytes);
}
