/**
 * One better-sqlite3 connection to a store file, synchronous: WAL with `synchronous = FULL`, so
 * every commit is fsynced before it returns and survives kill -9 and power loss. The store keeps
 * two: one in its worker thread (sqlite-worker.js), where blocking on the fsync costs the broker
 * nothing, and one on the main thread for the operations that are cheaper done at once (see
 * sqlite-store.ts).
 */
import Database from 'better-sqlite3';
import { SteadError } from '../../../shared/errors.js';
import { applyInOrder } from '../write-fence.js';
import { decodeBatch } from './sqlite-batch.js';
import { preparePrivateDatabase } from './private-files.js';
import type { ProxyWrite, StoredProxy, WriteOutcome } from '../types.js';

export interface SqliteStoreOptions {
  /** How long to wait for another connection's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Commit batches of several writes in a worker thread (default true). With false every
   * operation runs on the main thread, and each batch's fsync blocks the event loop.
   */
  worker?: boolean;
  /**
   * Take the store's owner lock (default true): one broker per store file (sqlite-owner-lock.ts).
   * False only for a short-lived access beside the running owner that writes nothing but the key
   * registry, whose every write is read, edit, commit under the version check (`stead keys`).
   * Reads beside the owner are safe too.
   */
  owner?: boolean;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS proxies (
    key TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    record BLOB NOT NULL,
    wake_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS proxies_wake_at ON proxies (wake_at) WHERE wake_at IS NOT NULL;
`;

/** The statements, prepared once per connection. */
function prepare(db: Database.Database) {
  return {
    load: db.prepare<[string], { version: number; record: Buffer }>('SELECT version, record FROM proxies WHERE key = ?'),
    insert: db.prepare<[string, Uint8Array, number | null]>(
      'INSERT INTO proxies (key, version, record, wake_at) VALUES (?, 1, ?, ?) ON CONFLICT (key) DO NOTHING',
    ),
    update: db.prepare<[Uint8Array, number | null, string, number]>(
      'UPDATE proxies SET version = version + 1, record = ?, wake_at = ? WHERE key = ? AND version = ?',
    ),
    listAll: db.prepare<[], string>('SELECT key FROM proxies ORDER BY key').pluck(),
    listPrefix: db
      .prepare<[string, string], string>('SELECT key FROM proxies WHERE substr(key, 1, length(?)) = ? ORDER BY key')
      .pluck(),
    listWaking: db
      .prepare<[number], string>('SELECT key FROM proxies WHERE wake_at IS NOT NULL AND wake_at <= ? ORDER BY key')
      .pluck(),
    remove: db.prepare<[string]>('DELETE FROM proxies WHERE key = ?'),
    removeVersion: db.prepare<[string, number]>('DELETE FROM proxies WHERE key = ? AND version = ?'),
  };
}

type Statements = ReturnType<typeof prepare>;

/** One write of a batch: version 0 must not exist yet; otherwise the stored version must match. */
function applyWrite(statements: Statements, write: ProxyWrite): WriteOutcome {
  const result =
    write.expectVersion === 0
      ? statements.insert.run(write.key, write.record, write.wakeAt)
      : statements.update.run(write.record, write.wakeAt, write.key, write.expectVersion);
  return result.changes === 1 ? 'committed' : 'conflict';
}

function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') preparePrivateDatabase(path);
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    db.pragma('journal_mode = WAL');
    // FULL syncs the WAL on every commit: a reported commit survives power loss, not only a crash.
    db.pragma('synchronous = FULL');
    const version = db.pragma('user_version', { simple: true });
    if (typeof version === 'number' && version > SCHEMA_VERSION) {
      throw new SteadError('STORE_FAILURE', `${path} has store schema ${version}; this Stead knows ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA);
    // Written only when it changes: the store's second connection then opens without taking
    // the write lock, which its first connection may be holding for a commit (sqlite-store.ts).
    if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (cause) {
    db?.close();
    throw cause instanceof SteadError ? cause : new SteadError('STORE_FAILURE', `cannot open store sqlite:${path}`, { cause });
  }
}

/** The store's operations on one open file; every method is synchronous. */
export class SqliteConnection {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  readonly #commitBatch: (writes: readonly ProxyWrite[]) => WriteOutcome[];

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.#db = openDatabase(path, options);
    this.#statements = prepare(this.#db);
    // One transaction, hence one sync, for the whole batch (DESIGN §6 group commit); a key that
    // conflicts is fenced for the rest of the batch (write-fence.ts).
    this.#commitBatch = this.#db.transaction((writes: readonly ProxyWrite[]) => applyInOrder(writes, (w) => applyWrite(this.#statements, w)));
  }

  load(key: string): StoredProxy | undefined {
    const row = this.#statements.load.get(key);
    return row && { version: row.version, record: new Uint8Array(row.record.buffer, row.record.byteOffset, row.record.byteLength) };
  }

  commit(writes: readonly ProxyWrite[]): WriteOutcome[] {
    return this.#commitBatch(writes);
  }

  /** A batch as the store's main-thread side sends it (see sqlite-batch.ts). */
  commitEncoded(batch: Uint8Array): WriteOutcome[] {
    return this.#commitBatch(decodeBatch(batch));
  }

  list(prefix?: string): string[] {
    return prefix ? this.#statements.listPrefix.all(prefix, prefix) : this.#statements.listAll.all();
  }

  listWaking(time: number): string[] {
    return this.#statements.listWaking.all(time);
  }

  remove(key: string, expectVersion?: number): boolean {
    const result = expectVersion === undefined ? this.#statements.remove.run(key) : this.#statements.removeVersion.run(key, expectVersion);
    return result.changes === 1;
  }

  /**
   * From now on a lock held by another connection fails at once with SQLITE_BUSY instead of
   * waiting: the main thread's connection must never block the event loop on a lock.
   */
  failFastOnBusy(): void {
    this.#db.pragma('busy_timeout = 0');
  }

  close(): void {
    this.#db.close();
  }
}
