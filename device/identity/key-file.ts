import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SteadError, isSteadError } from '../../shared/errors.js';
import { decodeDeviceKey, encodeDeviceKey, type DeviceKey } from '../../shared/identity/key-pair.js';

/** Reads a device key file (`stead keys new`); BAD_KEY when it is missing or not a key. */
export function readKeyFile(path: string): DeviceKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SteadError('BAD_KEY', `cannot read key file ${path}`, { cause: error });
  }
  try {
    return decodeDeviceKey(text);
  } catch (error) {
    if (isSteadError(error)) throw new SteadError(error.code, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Writes a key file readable by its owner only (mode 0600: it holds the secret key); never
 * overwrites one (a lost secret cannot be made again: its grants would have to be redone).
 */
export async function writeKeyFile(path: string, key: DeviceKey): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, encodeDeviceKey(key), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const exists = (error as { code?: unknown }).code === 'EEXIST';
    throw new SteadError('BAD_OPTIONS', exists ? `${path} exists: a key file is never overwritten` : `cannot write ${path}`, { cause: error });
  }
}
