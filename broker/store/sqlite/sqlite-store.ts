/**
 * `sqlite:path` — the embedded default store (DESIGN §6): WAL, `synchronous = FULL` (a reported
 * commit survives kill -9 and power loss), group commit (one transaction and one fsync per
 * batch, see group-commit.ts).
 *
 * Two connections to the file, used one at a time so that the store stays one ordered queue:
 * - a worker thread (sqlite-worker.js): a batch of several writes is committed there, so its
 *   fsync overlaps with the broker's work instead of stalling the event loop (under 100 devices a
 *   main-thread commit held ~30% of the broker's busy time);
 * - the main thread, whenever the worker is idle, for a commit of one write and for reads. The
 *   worker's round trip (two thread wake-ups, ~150 µs on a 2-core VM) cost as much as the fsync
 *   itself; a lone write means nothing else is waiting to run during its fsync.
 */
import { DEFAULT_STORE_PATH } from '../../../shared/defaults.js';
import { SteadError, isSteadError } from '../../../shared/errors.js';
import { encodeBatch } from './sqlite-batch.js';
import { SqliteConnection, type SqliteStoreOptions } from './sqlite-connection.js';
import { SqliteOwnerLock } from './sqlite-owner-lock.js';
import { SqliteWorkerLink } from './sqlite-worker-link.js';
import type { ProxyWrite, Store, StoredProxy, WriteOutcome } from '../types.js';
import { WriteFence } from '../write-fence.js';

export type { SqliteStoreOptions } from './sqlite-connection.js';

/** Largest batch committed on the main thread while the worker is idle; larger ones go to it. */
const MAIN_THREAD_BATCH = 1;

/** What the SQLite store adds to the Store interface. */
export interface SqliteStore extends Store {
  /** Operations run so far on each thread (commits counted per batch). */
  readonly threads: { main: number; worker: number };
  /** Resolves once the worker thread serves (true), or will not (false: disabled or failed). */
  readonly workerReady: Promise<boolean>;
}

/**
 * Opens (creating it and its parent directories if needed) a SQLite store at `path`, owned by
 * this process until it closes: STORE_OWNED while another broker has it open (unless `owner` is false).
 */
export async function createSqliteStore(path: string = DEFAULT_STORE_PATH, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const url = `sqlite:${path}`;
  // Before anything touches the file: a second broker changes nothing on its way out.
  const lock = options.owner === false || path === ':memory:' ? null : SqliteOwnerLock.take(path);
  let main: SqliteConnection;
  try {
    // The main thread's connection creates the file and schema and serves at once; the worker
    // starts meanwhile (~0.3 s: a thread, the TypeScript loader, the addon), off a restart's path.
    main = new SqliteConnection(path, options);
  } catch (error) {
    lock?.release();
    throw error;
  }
  // With a worker to wait on locks for it, the main thread never blocks on one.
  if (options.worker !== false) main.failFastOnBusy();
  const threads = { main: 0, worker: 0 };
  const fence = new WriteFence();
  let worker: SqliteWorkerLink | null = null;
  let closed = false;
  /** Operations waiting for the worker to start, having met another process's lock: see `run`. */
  let detoured = 0;
  // Without its worker the store still works, every operation on the main thread.
  const workerReady: Promise<boolean> =
    options.worker === false
      ? Promise.resolve(false)
      : SqliteWorkerLink.open(url, path, options).then(
          async (link) => {
            if (closed) await link.close();
            else worker = link;
            return !closed;
          },
          () => false,
        );

  const onMain = <T>(op: (c: SqliteConnection) => T): T => {
    threads.main++;
    return op(main);
  };
  const onWorker = <T>(link: SqliteWorkerLink, op: (w: SqliteWorkerLink) => Promise<T>): Promise<T> => {
    threads.worker++;
    return op(link);
  };

  /**
   * Runs `op` on the main thread when the worker is absent or idle (it cannot overtake an
   * earlier request then), else `viaWorker`. When another process holds the lock, the main
   * thread must not wait for it: the operation goes to the worker, which waits up to the busy
   * timeout; before the worker serves, it and every later operation wait for it, in order.
   */
  const run = <T>(direct: boolean, op: (c: SqliteConnection) => T, viaWorker: (w: SqliteWorkerLink) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new SteadError('CLOSED', `store ${url} is closed`));
    const link = worker as SqliteWorkerLink | null;
    if (link?.unusable) return Promise.reject(link.unusable);
    if (link && !(direct && link.idle)) return onWorker(link, viaWorker);
    if (detoured > 0) return afterWorker(op, viaWorker);
    try {
      return Promise.resolve(onMain(op));
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(storeError(url, error));
      if (link) return onWorker(link, viaWorker);
      return afterWorker(op, viaWorker);
    }
  };
  const afterWorker = <T>(op: (c: SqliteConnection) => T, viaWorker: (w: SqliteWorkerLink) => Promise<T>): Promise<T> => {
    detoured++;
    return workerReady.then(() => {
      detoured--;
      // Accepted before any close: served like a request already sent to the worker.
      const link = worker as SqliteWorkerLink | null;
      if (link) return onWorker(link, viaWorker);
      try {
        return onMain(op);
      } catch (error) {
        throw storeError(url, error);
      }
    });
  };

  let closing: Promise<void> | null = null;
  const closeAll = async (): Promise<void> => {
    closed = true;
    // Requests already sent to the worker are answered before it closes.
    await workerReady;
    await (worker as SqliteWorkerLink | null)?.close();
    main.close();
    lock?.release();
  };

  return {
    url,
    threads,
    workerReady,
    // A load lifts the key's write fence: its writer has the store's copy again (DESIGN §6).
    load: (key) => run(true, (c) => c.load(key), (w) => w.call<StoredProxy | undefined>('load', key)).then((stored) => (fence.lift(key), stored)),
    commit: (writes: readonly ProxyWrite[]) =>
      fence.commitThrough(writes, (sent) =>
        run(
          sent.length <= MAIN_THREAD_BATCH,
          (c) => c.commit(sent),
          // One encoded buffer per batch: cloning an array of objects across threads cost more
          // than the main thread's whole share of a commit.
          (w) => w.call<WriteOutcome[]>('commitEncoded', encodeBatch(sent)),
        ),
      ),
    list: (prefix) => run(true, (c) => c.list(prefix), (w) => w.call<string[]>('list', prefix)),
    listWaking: (time) => run(true, (c) => c.listWaking(time), (w) => w.call<string[]>('listWaking', time)),
    remove: (key, expectVersion) => run(true, (c) => c.remove(key, expectVersion), (w) => w.call<boolean>('remove', key, expectVersion)),
    close: () => (closing ??= closeAll()),
  };
}

/** Another connection (another process on the same file) holds the lock. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function storeError(url: string, error: unknown): SteadError {
  if (isSteadError(error)) return error;
  return new SteadError('STORE_FAILURE', `store ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** `sqlite:./data/stead.db`, `sqlite:/abs/path.db`, `sqlite:relative.db` (also `sqlite:///abs/path.db`). */
export function sqlitePathFromUrl(url: URL | string): string {
  const text = typeof url === 'string' ? url : url.href;
  const rest = text.replace(/^sqlite:/i, '');
  const path = rest.startsWith('///') ? rest.slice(2) : rest;
  if (path === '') return DEFAULT_STORE_PATH;
  return path;
}
