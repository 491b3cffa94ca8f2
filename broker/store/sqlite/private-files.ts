import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The store holds every proxy's state, secret fields and once-only values: only the broker's
 * user may read it. A folder made for it is 0700; the database is made 0600 before SQLite opens
 * it, and SQLite gives its `-wal` and `-shm` files the database's mode. A database (and its
 * `-wal`, `-shm`) found with a wider mode is narrowed; a folder that already existed is the
 * user's and left as it is.
 */
export function preparePrivateDatabase(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
