/**
 * `sqlite:path` — the embedded default store (DESIGN §6): WAL, `synchronous = FULL` (a reported
 * commit survives kill -9 and power loss), group commit (one transaction and one fsync per
 * batch, see group-commit.ts).
 *
 * The connection lives in a worker thread (sqlite-worker.js running sqlite-connection.ts). On the
 * main thread, a durable commit blocked the event loop for its fsync: under 100 devices the
 * profile put ~30% of the broker's busy time inside that one synchronous call, time in which no
 * MQTT packet was read and no method ran. In the worker the fsync overlaps with that work; the
 * price is a postMessage round trip and a copy of each record (~tens of µs per batch).
 */
import { Worker } from 'node:worker_threads';
import { SteadError, isErrorCode } from '../../../shared/errors.js';
import { encodeBatch } from './sqlite-batch.js';
import type { SqliteStoreOptions } from './sqlite-connection.js';
import type { ProxyWrite, Store, StoredProxy, WriteOutcome } from '../types.js';

export type { SqliteStoreOptions } from './sqlite-connection.js';

/** Where the broker CLI keeps its store unless told otherwise. */
export const DEFAULT_SQLITE_PATH = './data/stead.db';

interface Reply {
  id: number;
  result?: unknown;
  error?: { code?: string; message: string };
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: SteadError): void;
}

/** Opens (creating it and its parent directories if needed) a SQLite store at `path`. */
export async function createSqliteStore(path: string = DEFAULT_SQLITE_PATH, options: SqliteStoreOptions = {}): Promise<Store> {
  const url = `sqlite:${path}`;
  const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path, options } });
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let closed = false;
  let broken: SteadError | null = null;

  const toError = (error: Reply['error']): SteadError =>
    error?.code !== undefined && isErrorCode(error.code)
      ? new SteadError(error.code, error.message)
      : new SteadError('STORE_FAILURE', `store ${url} failed: ${error?.message ?? 'unknown error'}`);
  const failAll = (error: SteadError): void => {
    broken ??= error;
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };

  const opened = new Promise<void>((resolve, reject) => waiting.set(0, { resolve: () => resolve(), reject }));
  worker.on('message', ({ id, result, error }: Reply) => {
    const entry = waiting.get(id);
    if (!entry) return;
    waiting.delete(id);
    // The worker keeps the process alive only while an answer is awaited.
    if (waiting.size === 0) worker.unref();
    if (error) entry.reject(toError(error));
    else entry.resolve(result);
  });
  worker.on('error', (cause) => failAll(new SteadError('STORE_FAILURE', `store ${url} worker failed`, { cause })));
  worker.on('exit', () => failAll(new SteadError(closed ? 'CLOSED' : 'STORE_FAILURE', `store ${url} worker exited`)));

  try {
    await opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const call = <T>(op: string, ...args: unknown[]): Promise<T> => {
    if (closed) return Promise.reject(new SteadError('CLOSED', `store ${url} is closed`));
    if (broken) return Promise.reject(broken);
    return new Promise<T>((resolve, reject) => {
      const id = nextId++;
      if (waiting.size === 0) worker.ref();
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, op, args });
    });
  };

  return {
    url,
    load: (key) => call<StoredProxy | undefined>('load', key),
    // One encoded buffer per batch: cloning an array of objects across threads cost more than
    // the main thread's whole share of a commit.
    commit: (writes: readonly ProxyWrite[]) => call<WriteOutcome[]>('commitEncoded', encodeBatch(writes)),
    list: (prefix) => call<string[]>('list', prefix),
    listWaking: (time) => call<string[]>('listWaking', time),
    remove: (key, expectVersion) => call<boolean>('remove', key, expectVersion),
    close: async () => {
      if (closed) return;
      try {
        await call<void>('close');
      } catch {
        // A broken worker has nothing left to close.
      }
      closed = true;
      await worker.terminate();
    },
  };
}

/** `sqlite:./data/stead.db`, `sqlite:/abs/path.db`, `sqlite:relative.db` (also `sqlite:///abs/path.db`). */
export function sqlitePathFromUrl(url: URL | string): string {
  const text = typeof url === 'string' ? url : url.href;
  const rest = text.replace(/^sqlite:/i, '');
  const path = rest.startsWith('///') ? rest.slice(2) : rest;
  if (path === '') return DEFAULT_SQLITE_PATH;
  return path;
}
