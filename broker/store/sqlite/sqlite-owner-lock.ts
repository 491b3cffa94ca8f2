/**
 * One broker per store file (DESIGN §6): the broker that opens a SQLite store holds an exclusive
 * lock on `<file>.lock` for as long as the store is open, and a second one is refused at once
 * with STORE_OWNED naming the file and the holder's pid.
 *
 * The lock is SQLite's own: a connection to the lock file in `locking_mode = EXCLUSIVE` that
 * has written once keeps its write lock until it closes. That needs no dependency beyond the
 * driver the store already uses, and it is a kernel lock (fcntl), so a broker killed with
 * SIGKILL releases it with its process: a restart never waits for a stale lock to time out. It
 * lives on a file of its own because the store's two connections (sqlite-store.ts) share the
 * store file itself.
 */
import { chmodSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { SteadError } from '../../../shared/errors.js';

export class SqliteOwnerLock {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Takes the lock of the store at `storePath`, or throws STORE_OWNED (STORE_FAILURE if it cannot be made). */
  static take(storePath: string): SqliteOwnerLock {
    let path = `${storePath}.lock`;
    let db: Database.Database;
    try {
      // The store's folder is private (private-files.ts): made 0700 here too, whoever makes it first.
      mkdirSync(dirname(storePath), { recursive: true, mode: 0o700 });
      path = `${canonical(storePath)}.lock`;
      // No busy timeout: a held lock is refused at once, not after waiting for it.
      db = new Database(path, { timeout: 0 });
      // Private like the database. chmod, not an open and close of our own: closing any
      // descriptor of a file drops every POSIX lock this process holds on it, an owner's too.
      chmodSync(path, 0o600);
    } catch (cause) {
      throw new SteadError('STORE_FAILURE', `cannot make the store lock ${path}`, { cause });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // No journal file beside the lock: it stores nothing.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE; COMMIT');
      return new SqliteOwnerLock(db);
    } catch (cause) {
      db.close();
      if (!isBusy(cause)) throw new SteadError('STORE_FAILURE', `cannot take the store lock ${path}`, { cause });
      const pid = lockHolder(path);
      const holder = pid === null ? 'another process' : `process ${pid}`;
      throw new SteadError('STORE_OWNED', `the store ${storePath} is owned by ${holder} (a running broker holds ${path}): one broker per store file`, {
        data: { file: storePath, pid },
      });
    }
  }

  release(): void {
    this.#db.close();
  }
}

/**
 * The store file's one name, whatever path reached it (a symlink to the file or a folder on the
 * way): every spelling of one store takes one lock. The lock file stays when its broker stops;
 * removing it while a broker runs would let a second one make a new lock file and take that.
 */
function canonical(storePath: string): string {
  try {
    return realpathSync(storePath);
  } catch {
    // Not made yet: its folder exists (made above).
    return join(realpathSync(dirname(storePath)), basename(storePath));
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * The pid holding a POSIX lock on `path`, as the kernel lists it in /proc/locks (Linux); null
 * where there is no such list or it names no process (an OFD lock, another pid namespace).
 */
export function lockHolder(path: string): number | null {
  let text: string;
  let device: string;
  try {
    const { dev, ino } = statSync(path, { bigint: true });
    // stat's st_dev decoded as glibc's major()/minor(); /proc/locks prints them in hex.
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    device = `${hex(major)}:${hex(minor)}:${ino}`;
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return null;
  }
  // `1: POSIX  ADVISORY  WRITE 4242 fe:00:2147538 1073741824 1073742335`; waiters read `1: -> …`.
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === '->' || fields[5] !== device) continue;
    const pid = Number(fields[4]);
    if (Number.isSafeInteger(pid) && pid > 0) return pid;
  }
  return null;
}

function hex(value: bigint): string {
  return value.toString(16).padStart(2, '0');
}
