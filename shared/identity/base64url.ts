/** Base64url without padding (RFC 4648 §5): keys, nonces and signatures in tokens and key files. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The bytes of a base64url string, or null when it is not one or does not decode to `length` bytes. */
export function fromBase64Url(text: string, length: number): Uint8Array | null {
  if (!BASE64URL.test(text) || text.length !== Math.ceil((length * 4) / 3)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === length ? new Uint8Array(bytes) : null;
}
