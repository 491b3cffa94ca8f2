import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toHex } from './bytes.js';
import { systemRandom } from './random.js';

/**
 * Replaces a file so that after a crash at any moment it holds either its old or its new bytes,
 * never a mix or nothing: write a temporary file beside it (same folder, so the rename is atomic;
 * a name of its own, so two writers never share one), fsync it, rename it over the file, fsync
 * the folder (so the rename itself survives a power loss). The file is readable by its owner only.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${toHex(systemRandom.nonce())}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

/** Makes a folder's entries durable: a rename, create or unlink in it survives a power loss once this returns. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms cannot fsync a folder (Windows: EPERM, some file systems: EINVAL).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EINVAL' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}
