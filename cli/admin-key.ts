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
    await broker.auth.keys?.grant(key.device, { publicKey: key.publicKey, role: 'admin' });
    logger.info({ file, device: key.device, publicKey: toBase64Url(key.publicKey), made }, `${made ? 'made and granted' : 'granted'} admin key ${file} (device ${key.device}); use it with stead call --key ${file}`);
  }
}
