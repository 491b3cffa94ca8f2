import { createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { bytesEqual } from '../../shared/bytes.js';
import { SteadError } from '../../shared/errors.js';
import { decodeValue, encodeValue } from '../../shared/wire/codec.js';

/** Bytes of a blob key (tweetnacl secretbox). */
export const BLOB_KEY_BYTES = nacl.secretbox.keyLength;
/** `[format][key id][nonce][secretbox]`: the sealed blob's clear header. */
const SEAL_FORMAT = 1;
const KEY_ID_BYTES = 8;
const HEADER_BYTES = 1 + KEY_ID_BYTES + nacl.secretbox.nonceLength;

/** What a blob says about itself, sealed with the record it carries (DESIGN §7). */
export interface BlobContents {
  /** `<app>/<id>`. */
  readonly proxy: string;
  readonly session: string;
  /** ms, on the broker's clock. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The proxy type's method surface (blob-policy.ts). */
  readonly surface: Uint8Array;
  /** The encoded record, once-only values and secret fields left out (blob-record.ts). */
  readonly record: Uint8Array;
}

/** What an opened blob must match: the proxy, the session it is presented on, the app version. */
export interface BlobExpectation {
  readonly proxy: string;
  readonly session: string;
  readonly surface: Uint8Array;
  readonly now: number;
}

/**
 * Seals and opens session blobs with the broker's blob key (tweetnacl secretbox: XSalsa20-Poly1305,
 * a fresh random 24-byte nonce per blob). The key's id travels in clear, so a blob sealed under
 * another broker's key is told apart (BLOB_FOREIGN) from one whose bytes were changed
 * (BLOB_TAMPERED); the id is a hash of the key and says nothing of it.
 */
export class BlobSeal {
  readonly #key: Uint8Array;
  readonly #keyId: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.length !== BLOB_KEY_BYTES) throw new SteadError('BAD_OPTIONS', `a blob key is ${BLOB_KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Uint8Array.from(key);
    this.#keyId = new Uint8Array(createHash('sha256').update('stead blob key id\0').update(key).digest().subarray(0, KEY_ID_BYTES));
  }

  seal(contents: BlobContents): Uint8Array {
    const plain = encodeValue([SEAL_FORMAT, contents.proxy, contents.session, contents.issuedAt, contents.expiresAt, contents.surface, contents.record]);
    const nonce = new Uint8Array(randomBytes(nacl.secretbox.nonceLength));
    const box = nacl.secretbox(plain, nonce, this.#key);
    const sealed = new Uint8Array(HEADER_BYTES + box.length);
    sealed[0] = SEAL_FORMAT;
    sealed.set(this.#keyId, 1);
    sealed.set(nonce, 1 + KEY_ID_BYTES);
    sealed.set(box, HEADER_BYTES);
    return sealed;
  }

  /** The blob's contents, or a typed refusal: TAMPERED, FOREIGN or EXPIRED. */
  open(sealed: Uint8Array, expect: BlobExpectation): BlobContents {
    if (sealed.length < HEADER_BYTES + nacl.secretbox.overheadLength || sealed[0] !== SEAL_FORMAT) {
      throw new SteadError('BLOB_TAMPERED', 'the blob is not a sealed Stead blob');
    }
    if (!bytesEqual(sealed.subarray(1, 1 + KEY_ID_BYTES), this.#keyId)) {
      throw new SteadError('BLOB_FOREIGN', 'the blob was sealed with another broker’s key', { data: { reason: 'key' } });
    }
    const plain = nacl.secretbox.open(sealed.subarray(HEADER_BYTES), sealed.subarray(1 + KEY_ID_BYTES, HEADER_BYTES), this.#key);
    if (!plain) throw new SteadError('BLOB_TAMPERED', 'the blob does not open with the broker’s key');
    const contents = contentsOf(plain);
    if (contents.proxy !== expect.proxy || contents.session !== expect.session) {
      throw new SteadError('BLOB_FOREIGN', `the blob belongs to ${contents.proxy} session ${contents.session}`, { data: { reason: 'session' } });
    }
    if (!bytesEqual(contents.surface, expect.surface)) {
      throw new SteadError('BLOB_FOREIGN', 'the blob was made by an app version with other methods', { data: { reason: 'surface' } });
    }
    if (expect.now >= contents.expiresAt) throw new SteadError('BLOB_EXPIRED', `the blob expired at ${new Date(contents.expiresAt).toISOString()}`);
    return contents;
  }
}

/** Sealed by this broker's key, so its shape is ours; checked anyway (a key may have leaked). */
function contentsOf(plain: Uint8Array): BlobContents {
  let fields: unknown;
  try {
    fields = decodeValue(plain);
  } catch (cause) {
    throw new SteadError('BLOB_TAMPERED', 'the blob’s contents do not decode', { cause });
  }
  const [format, proxy, session, issuedAt, expiresAt, surface, record] = Array.isArray(fields) ? fields : [];
  if (format !== SEAL_FORMAT || typeof proxy !== 'string' || typeof session !== 'string' || typeof issuedAt !== 'number'
    || typeof expiresAt !== 'number' || !(surface instanceof Uint8Array) || !(record instanceof Uint8Array)) {
    throw new SteadError('BLOB_TAMPERED', 'the blob’s contents have the wrong shape');
  }
  return { proxy, session, issuedAt, expiresAt, surface, record };
}
