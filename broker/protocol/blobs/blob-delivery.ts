import type { Clock } from '../../../shared/clock.js';
import { SteadError, isSteadError } from '../../../shared/errors.js';
import type { Limits } from '../../../shared/limits.js';
import type { Random } from '../../../shared/random.js';
import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import type { BlobPolicy } from '../../apps/blob-policy.js';
import { blobRecord, isAfter, markerBytes, markerStamp, nextStamp } from '../../record/blob-record.js';
import type { BlobContents, BlobSeal } from '../../record/blob-seal.js';
import { decodeRecord, encodeRecord } from '../../record/record-codec.js';
import type { BlobStamp, ProxyRecord } from '../../record/record.js';
import type { Release } from '../../transaction/transaction.js';
import { BlobRelease, type BlobSource } from './blob-release.js';

/** What the blobs of a proxy need of its host. */
export interface BlobHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
  count(event: string): void;
}

/**
 * One proxy's sealed session blobs (DESIGN §7, docs/sessions.md): stamps each commit with the
 * record's generation, gives every session whose device keeps blobs a sealed copy of the record
 * whenever the generation moves (or a marker when the copy does not fit in a frame), and opens
 * the blobs and markers a device presents (blob-request.ts decides what they do).
 */
export class SessionBlobs implements BlobSource {
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
  /** Until when a record the store does not hold is provisional (provisional.ts); null before activation. */
  #provisionalUntil: number | null = null;

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

  keeps(session: string): boolean {
    return this.#keepers.has(session);
  }

  /** The proxy was first activated at `now`: its keepers' grace runs from here, once per proxy. */
  activated(now: number): void {
    this.#provisionalUntil ??= now + this.#policy.graceMs;
  }

  /** Whether the grace of the keepers still runs (it decides only for a record the store does not hold). */
  inGrace(now: number): boolean {
    return this.#provisionalUntil !== null && now < this.#provisionalUntil;
  }

  /** When the keepers' grace ends (null before activation). */
  get graceEndsAt(): number | null {
    return this.#provisionalUntil;
  }

  /** The record one commit further: its generation is the version its blobs carry. */
  stamped(record: ProxyRecord): ProxyRecord {
    return { ...record, blobStamp: nextStamp(record.blobStamp, () => this.#random.nonce()) };
  }

  /**
   * The commit's releases, after a blob for every keeper the record has: the generation moved, so
   * a keeper's blob from before is stale, whoever moved it (a call, another session, a pulse, a
   * timer). Sealed only as it leaves, one per session per gate flush (blob-release.ts).
   */
  withBlobs(next: ProxyRecord, releases: readonly Release[]): readonly Release[] {
    if (this.#keepers.size === 0) return releases;
    let blobs: Release[] | null = null;
    for (const session of this.#keepers) {
      if (next.sessions.has(session)) (blobs ??= []).push(new BlobRelease(session, this, next));
    }
    return blobs ? [...blobs, ...releases] : releases;
  }

  /** A blob of the record as it stands, for a session that asks at connect; null when there is nothing to copy. */
  current(record: ProxyRecord, session: string): Release | null {
    return record.blobStamp && record.sessions.has(session) ? new BlobRelease(session, this, record) : null;
  }

  /** The sealed blob frame, or a marker frame when the blob would not fit in one (BlobSource). */
  frame(record: ProxyRecord, session: string): Uint8Array {
    const blob = encodeFrame({ kind: Kind.blob, ref: null, blob: this.#seal.seal(this.#contents(session, encodeRecord(blobRecord(record, this.#policy.secret)))) });
    if (blob.length <= this.#maxFrameBytes) return blob;
    this.#count('blobs.too_large');
    const marker = this.#seal.seal(this.#contents(session, markerBytes(record.blobStamp as BlobStamp)));
    return encodeFrame({ kind: Kind.blob, ref: null, blob: null, marker });
  }

  /** The record a presented blob holds; a typed refusal (tampered, foreign, expired) when it holds none. */
  open(blob: Uint8Array, session: string, now: number): ProxyRecord {
    const contents = this.#seal.open(blob, this.#expect(session, now));
    try {
      return decodeRecord(contents.record);
    } catch (cause) {
      throw new SteadError('BLOB_TAMPERED', 'the blob’s record does not decode', { cause });
    }
  }

  /**
   * Whether a marker says a newer record of the blob's history was not sent (the restore is
   * partial). A marker that does not open counts as one that does: the device says it missed a
   * blob, and only the device could be wrong about that.
   */
  missed(marker: Uint8Array, session: string, blob: BlobStamp, now: number): boolean {
    try {
      return isAfter(markerStamp(this.#seal.open(marker, this.#expect(session, now)).record), blob);
    } catch (error) {
      if (!isSteadError(error)) throw error;
      return true;
    }
  }

  /** A new lineage id, from the injected Random. */
  newLineage(): Uint8Array {
    return this.#random.nonce();
  }

  #expect(session: string, now: number) {
    return { proxy: this.#proxy, session, surface: this.#policy.surface, now };
  }

  #contents(session: string, record: Uint8Array): BlobContents {
    const issuedAt = this.#clock.now();
    return { proxy: this.#proxy, session, issuedAt, expiresAt: issuedAt + this.#policy.ttlMs, surface: this.#policy.surface, record };
  }
}
