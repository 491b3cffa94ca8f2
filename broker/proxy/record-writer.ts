import type { ProxyType } from '../apps/define-proxy.js';
import { encodeRecord } from '../record/record-codec.js';
import type { ProxyRecord } from '../record/record.js';
import type { Release } from '../transaction/transaction.js';
import { CommitAnnouncer } from './commit-announcer.js';
import type { OutputGate } from './output-gate.js';
import type { ProxyHost } from './proxy-host.js';

/**
 * A proxy's side of the store (DESIGN §4 rule 7): the version its next write expects, the record
 * last submitted, and the write itself — one atomic write of the encoded record, its outputs
 * queued at the gate until the store confirms. Not awaited: the proxy runs its next message while
 * the write is in flight, and that write (expecting the next version) can share one group commit.
 */
export class RecordWriter {
  readonly #key: string;
  readonly #host: ProxyHost;
  readonly #gate: OutputGate;
  readonly #announcer: CommitAnnouncer;
  readonly #onFailure: (error: unknown) => void;
  #written: ProxyRecord | null = null;
  #version = 0;
  #lastCommitAt: number | null = null;

  constructor(type: ProxyType, id: string, host: ProxyHost, gate: OutputGate, onFailure: (error: unknown) => void) {
    this.#key = `${type.name}/${id}`;
    this.#host = host;
    this.#gate = gate;
    this.#announcer = new CommitAnnouncer(type, id, host);
    this.#onFailure = onFailure;
  }

  /** The store version of the record last loaded or submitted (0: never written). */
  get version(): number {
    return this.#version;
  }

  /** When this broker last submitted a write (ms since the epoch); null if never. */
  get lastCommitAt(): number | null {
    return this.#lastCommitAt;
  }

  /** The record was (re)loaded at `version`. */
  loaded(record: ProxyRecord, version: number): void {
    this.#written = record;
    this.#version = version;
  }

  /**
   * Submits `record` with its outputs; throws (nothing submitted) when it cannot be encoded. The
   * outputs leave once this and every earlier write succeeded; after a failure, none do.
   */
  write(record: ProxyRecord, releases: readonly Release[], wakeAt: number | null, arrivedAt: number): void {
    const bytes = encodeRecord(record);
    const written = this.#written;
    this.#written = record;
    const write = { key: this.#key, expectVersion: this.#version, record: bytes, wakeAt };
    this.#version++;
    const done = this.#gate.commit(releases, this.#onFailure, arrivedAt);
    this.#lastCommitAt = this.#host.clock.now();
    // Commit events cost nothing (no closure, no diff) unless someone watches.
    this.#host.committer.submit(write, this.#announcer.watched ? this.#announcer.after(done, record, written, this.#version) : done);
  }
}
