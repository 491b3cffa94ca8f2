/**
 * The store interface (DESIGN §6): load a proxy's record; commit a batch of records, each atomic
 * and checked against the version it was read at (optimistic concurrency); list; remove; close.
 * Every backend runs the contract suite beside it (contract-suite.ts, public as stead/broker/testing).
 *
 * The write fence: once a write of a key conflicts, or a commit carrying it fails, every later
 * write of that key (later in the same batch, or in a later commit) is answered 'conflict' and
 * not applied, until the key is loaded again. The proxy reloads after any failed write (DESIGN
 * §4 rule 9), and that load is how the store learns it; a write it pipelined before learning was
 * made on a record the store refused, and might otherwise pass the version check by matching a
 * version another writer made. write-fence.ts implements it for the backends here.
 */
export interface StoredProxy {
  version: number;
  record: Uint8Array;
}

export interface ProxyWrite {
  /** `<app>/<id>`. */
  key: string;
  /** The version the writer read (0 for a proxy the store has never seen). */
  expectVersion: number;
  record: Uint8Array;
  /** When the proxy must be woken even if nobody calls it (its earliest durable timer). */
  wakeAt: number | null;
}

/** Per write: committed (the new version is expectVersion + 1), or lost the version check. */
export type WriteOutcome = 'committed' | 'conflict';

export interface Store {
  readonly url: string;
  /**
   * True when a commit does no I/O (the memory store): the committer then flushes within the
   * same turn, so a reply can leave together with the MQTT acknowledgement of its request.
   */
  readonly inline?: boolean;
  /** The record, or undefined; lifts the key's write fence (see above). */
  load(key: string): Promise<StoredProxy | undefined>;
  /**
   * Commits the batch in one transaction; a conflicting write does not stop the others, but
   * raises its key's write fence (see above), as a failed commit does for every key it carried.
   */
  commit(writes: readonly ProxyWrite[]): Promise<WriteOutcome[]>;
  /** Keys of stored proxies, optionally those starting with a prefix (`toaster/`). */
  list(prefix?: string): Promise<string[]>;
  /** Keys of proxies with a wake time at or before `time`. */
  listWaking(time: number): Promise<string[]>;
  /** Removes a proxy; false if it was not there or the version did not match. */
  remove(key: string, expectVersion?: number): Promise<boolean>;
  close(): Promise<void>;
}
