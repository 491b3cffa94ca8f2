import { basename, extname } from 'node:path';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { SteadBroker } from '../broker/index.js';

/**
 * `stead broker --admin-key <file>`: grants the key in `file` the admin role at start, making the
 * key file first (mode 0600, device id from the file name) when it does not exist. This is how
 * `npm start` gives the examples and `stead call` a key (./data/dev.key): printed, never silent.
 */
export async function grantAdminKeys(broker: SteadBroker, files: readonly string[], logger: Logger): Promise<void> {
  if (files.length === 0) return;
  const { newDeviceKey, toBase64Url, readKeyFile, writeKeyFile } = await import('../device/index.js');
  for (const file of files) {
    const made = !existsSync(file);
    if (made) await writeKeyFile(file, newDeviceKey(basename(file, extname(file))));
    const key = readKeyFile(file);
    try {
      await broker.auth.keys?.grant(key.device, { publicKey: key.publicKey, role: 'admin' });
    } catch (error) {
      // A revoked key stays revoked (docs/identity.md): the broker runs on without it, and says so.
      if ((error as { code?: unknown }).code !== 'STEAD_E_BAD_KEY') throw error;
      logger.error({ file, device: key.device, code: 'STEAD_E_BAD_KEY' }, `admin key ${file} (device ${key.device}) was revoked and is not granted again; make a new key`);
      continue;
    }
    logger.info({ file, device: key.device, publicKey: toBase64Url(key.publicKey), made }, `${made ? 'made and granted' : 'granted'} admin key ${file} (device ${key.device}); use it with stead call --key ${file}`);
  }
}
