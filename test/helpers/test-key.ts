import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDeviceKey, newDeviceKey } from '../../shared/identity/index.js';

/**
 * One admin key per test process for the `stead broker` children (which require keys, as users
 * run them): spawnBroker grants it (`--admin-key`), runStead and spawnScript pass it as
 * `$STEAD_KEY`, and tests give it to their devices (`key: TEST_KEY`).
 */
const dir = mkdtempSync(join(tmpdir(), 'stead-test-key-'));
export const TEST_KEY = newDeviceKey('tester');
export const TEST_KEY_FILE = join(dir, 'tester.key');
writeFileSync(TEST_KEY_FILE, encodeDeviceKey(TEST_KEY), { mode: 0o600 });
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
