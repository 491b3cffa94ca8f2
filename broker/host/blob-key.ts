import { existsSync, readFileSync } from 'node:fs';
import { SteadError } from '../../shared/errors.js';
import type { ProxyType } from '../apps/define-proxy.js';
import { BLOB_KEY_BYTES, BlobSeal } from '../record/blob-seal.js';

/**
 * The broker's blob key (DESIGN §7), resolved once at start: 32 raw bytes, or a string naming a
 * file (holding the 32 bytes raw, or their base64) or giving the base64 itself. A type that
 * keeps blobs needs one: without it the broker refuses to start.
 */
export function resolveBlobSeal(option: Uint8Array | string | undefined, apps: readonly ProxyType[]): BlobSeal | null {
  if (option === undefined) {
    const keeping = apps.find((app) => app.blobs);
    if (keeping) throw new SteadError('BAD_OPTIONS', `app ${keeping.name} keeps sealed session blobs: give the broker a blob key (blobKey, --blob-key)`);
    return null;
  }
  return new BlobSeal(typeof option === 'string' ? keyFrom(option) : option);
}

function keyFrom(text: string): Uint8Array {
  if (existsSync(text)) {
    const bytes = readFileSync(text);
    if (bytes.length === BLOB_KEY_BYTES) return new Uint8Array(bytes);
    return fromBase64(bytes.toString('utf8').trim(), `blob key file ${text}`);
  }
  return fromBase64(text.trim(), 'blob key');
}

function fromBase64(text: string, what: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== BLOB_KEY_BYTES || !/^[A-Za-z0-9+/=_-]+$/.test(text)) {
    throw new SteadError('BAD_OPTIONS', `${what} is not ${BLOB_KEY_BYTES} bytes (raw or base64)`);
  }
  return new Uint8Array(bytes);
}

/** `stead blob-key new <file>`: 32 random bytes, readable by the owner only; never overwrites. */
export async function newBlobKeyFile(path: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { randomBytes } = await import('node:crypto');
  try {
    await writeFile(path, randomBytes(BLOB_KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw new SteadError('BAD_OPTIONS', `could not write a new blob key to ${path} (it must not exist yet)`, { cause });
  }
}
