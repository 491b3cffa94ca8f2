import type { Clock } from '../../../shared/clock.js';
import { SteadError } from '../../../shared/errors.js';
import type { Limits } from '../../../shared/limits.js';
import type { Random } from '../../../shared/random.js';
import type { BlobPolicy } from '../../apps/blob-policy.js';
import { blobRecord, nextStamp } from '../../record/blob-record.js';
import type { BlobContents, BlobSeal } from '../../record/blob-seal.js';
import { decodeRecord, encodeRecord } from '../../record/record-codec.js';
import type { ProxyRecord } from '../../record/record.js';
import type { Release } from '../../transaction/transaction.js';
import { BlobRelease } from './blob-release.js';

/** What the blobs of a proxy need of its host. */
export interface BlobHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
  count(event: string): void;
}

/**
 * One proxy's sealed session blobs (DESIGN §7, docs/sessions.md): stamps each commit with the
 * record's generation, gives every session it changed whose device keeps blobs a sealed copy of
 * the record to keep, and opens a blob a device presents (blob-request.ts decides what it does).
 */
export class SessionBlobs {
  readonly #policy: BlobPolicy;
  readonly #seal: BlobSeal;
  readonly #proxy: string;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #maxFrameBytes: number;
  readonly #maxKeepers: number;
  readonly #count: (event: string) => void;
  /**
   * Sessions whose device said it keeps blobs (its `[9, ref, …]` at connect and before each
   * begin). Not stored: a device says it again on every connect, so a restarted broker learns it.
   */
  readonly #keepers = new Set<string>();

  constructor(policy: BlobPolicy, seal: BlobSeal, proxy: string, host: BlobHost) {
    this.#policy = policy;
    this.#seal = seal;
    this.#proxy = proxy;
    this.#clock = host.clock;
    this.#random = host.random;
    this.#maxFrameBytes = host.limits.maxFrameBytes;
    this.#maxKeepers = host.limits.maxSessionsPerProxy;
    this.#count = (event) => host.count(event);
  }

  /** Notes that a session's device keeps blobs; bounded as the sessions are, so made-up names cannot grow it. */
  keep(session: string): void {
    if (this.#keepers.size < this.#maxKeepers || this.#keepers.has(session)) this.#keepers.add(session);
  }

  /** The record one commit further: its generation is the version its blobs carry. */
  stamped(record: ProxyRecord): ProxyRecord {
    return { ...record, blobStamp: nextStamp(record.blobStamp, () => this.#random.nonce()) };
  }

  /** The commit's releases, after a blob for each changed session whose device keeps blobs. */
  withBlobs(next: ProxyRecord, written: ProxyRecord | null, releases: readonly Release[]): readonly Release[] {
    if (this.#keepers.size === 0) return releases;
    const changed = written ? next.sessions.changedSince(written.sessions) : [...next.sessions.keys()];
    let blobs: Release[] | null = null;
    for (const session of changed) {
      if (!this.#keepers.has(session) || !next.sessions.has(session)) continue;
      (blobs ??= []).push(new BlobRelease(session, this.#seal, () => this.#contents(next, session), this.#maxFrameBytes, this.#tooLarge));
    }
    return blobs ? [...blobs, ...releases] : releases;
  }

  /** The record a presented blob holds; a typed refusal (tampered, foreign, expired) when it holds none. */
  open(blob: Uint8Array, session: string, now: number): ProxyRecord {
    const contents = this.#seal.open(blob, { proxy: this.#proxy, session, surface: this.#policy.surface, now });
    try {
      return decodeRecord(contents.record);
    } catch (cause) {
      throw new SteadError('BLOB_TAMPERED', 'the blob’s record does not decode', { cause });
    }
  }

  /** A new lineage id, from the injected Random. */
  newLineage(): Uint8Array {
    return this.#random.nonce();
  }

  readonly #tooLarge = (): void => this.#count('blobs.too_large');

  #contents(record: ProxyRecord, session: string): BlobContents {
    const issuedAt = this.#clock.now();
    return {
      proxy: this.#proxy,
      session,
      issuedAt,
      expiresAt: issuedAt + this.#policy.ttlMs,
      surface: this.#policy.surface,
      record: encodeRecord(blobRecord(record, this.#policy.secret)),
    };
  }
}
