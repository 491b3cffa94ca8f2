/**
 * The main thread's end of the SQLite worker (sqlite-worker.js): requests go out in order, each
 * answered once. The worker keeps the process alive only while an answer is awaited.
 */
import { Worker } from 'node:worker_threads';
import { SteadError, isErrorCode } from '../../../shared/errors.js';
import type { SqliteStoreOptions } from './sqlite-connection.js';

interface Reply {
  id: number;
  result?: unknown;
  error?: { code?: string; message: string };
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: SteadError): void;
}

export class SqliteWorkerLink {
  readonly #url: string;
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #closed = false;
  #broken: SteadError | null = null;

  private constructor(url: string, worker: Worker) {
    this.#url = url;
    this.#worker = worker;
    worker.on('message', (reply: Reply) => this.#answer(reply));
    worker.on('error', (cause) => this.#failAll(new SteadError('STORE_FAILURE', `store ${url} worker failed`, { cause })));
    worker.on('exit', () => this.#failAll(new SteadError(this.#closed ? 'CLOSED' : 'STORE_FAILURE', `store ${url} worker exited`)));
  }

  /** Starts the worker and waits until it has opened (and if needed created) the file. */
  static async open(url: string, path: string, options: SqliteStoreOptions): Promise<SqliteWorkerLink> {
    const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path, options } });
    const link = new SqliteWorkerLink(url, worker);
    const opened = new Promise<unknown>((resolve, reject) => link.#waiting.set(0, { resolve, reject }));
    try {
      await opened;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return link;
  }

  /** Nothing is in flight: an operation run elsewhere now cannot overtake one sent here. */
  get idle(): boolean {
    return this.#waiting.size === 0;
  }

  /** Why every later call fails, once the store is closed or its worker died. */
  get unusable(): SteadError | null {
    if (this.#closed) return new SteadError('CLOSED', `store ${this.#url} is closed`);
    return this.#broken;
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const unusable = this.unusable;
    if (unusable) return Promise.reject(unusable);
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.call<void>('close');
    } catch {
      // A broken worker has nothing left to close.
    }
    this.#closed = true;
    await this.#worker.terminate();
  }

  #answer({ id, result, error }: Reply): void {
    const entry = this.#waiting.get(id);
    if (!entry) return;
    this.#waiting.delete(id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (error) entry.reject(this.#toError(error));
    else entry.resolve(result);
  }

  #toError(error: NonNullable<Reply['error']>): SteadError {
    return error.code !== undefined && isErrorCode(error.code)
      ? new SteadError(error.code, error.message)
      : new SteadError('STORE_FAILURE', `store ${this.#url} failed: ${error.message}`);
  }

  #failAll(error: SteadError): void {
    this.#broken ??= error;
    for (const entry of this.#waiting.values()) entry.reject(error);
    this.#waiting.clear();
  }
}
