import type { Clock } from '../../shared/clock.js';
import { SteadError, isSteadError } from '../../shared/errors.js';
import type { Limits } from '../../shared/limits.js';
import type { Random } from '../../shared/random.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind } from '../../shared/wire/frames.js';
import type { BlobPolicy } from '../apps/blob-policy.js';
import { blobRecord, nextStamp, restoredRecord } from '../record/blob-record.js';
import type { BlobContents, BlobSeal } from '../record/blob-seal.js';
import { decodeRecord, encodeRecord } from '../record/record-codec.js';
import { errorBytes } from '../record/replies.js';
import type { ProxyRecord } from '../record/record.js';
import type { Release } from '../transaction/transaction.js';
import { BlobRelease } from './blob-release.js';

/** What the blobs of a proxy need of its host. */
export interface BlobHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: Limits;
  count(event: string): void;
}

/** What a blob request (`[9, ref, blob]` from a device) comes to. */
export interface BlobAnswer {
  /** The record to commit in place of the proxy's (restored from the blob), or null. */
  readonly record: ProxyRecord | null;
  /** The reply or error frame answering the request. */
  readonly bytes: Uint8Array;
  readonly error: SteadError | null;
}

/**
 * One proxy's sealed session blobs (DESIGN §7, docs/sessions.md): stamps each commit with the
 * record's generation, gives every session it changed whose device keeps blobs a sealed copy of
 * the record to keep, and restores from a blob a device presents.
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

  /**
   * A device's blob request: note that its session keeps blobs and, with a blob, restore from it
   * where the broker's copy is missing (`stored` false) or older. A refused blob restores nothing
   * and the session goes on from the broker's copy (docs/sessions.md).
   */
  request(current: ProxyRecord, stored: boolean, session: string, ref: Uint8Array, blob: Uint8Array | null): BlobAnswer {
    // Bounded as the sessions are: names that never begin cannot grow it without end.
    if (this.#keepers.size < this.#maxKeepers || this.#keepers.has(session)) this.#keepers.add(session);
    if (!blob) return answer(null, ref, 'kept');
    try {
      const contents = this.#seal.open(blob, { proxy: this.#proxy, session, surface: this.#policy.surface, now: this.#clock.now() });
      let opened: ProxyRecord;
      try {
        opened = decodeRecord(contents.record);
      } catch (cause) {
        throw new SteadError('BLOB_TAMPERED', 'the blob’s record does not decode', { cause });
      }
      const record = restoredRecord(current, stored, opened, () => this.#random.nonce());
      return answer(record, ref, record ? 'restored' : 'current');
    } catch (error) {
      if (!isSteadError(error)) throw error;
      return { record: null, bytes: errorBytes(ref, 0, error), error };
    }
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

function answer(record: ProxyRecord | null, ref: Uint8Array, status: 'kept' | 'current' | 'restored'): BlobAnswer {
  return { record, bytes: encodeFrame({ kind: Kind.reply, ref, seq: 0, value: status }), error: null };
}

/** The answer for a proxy whose type keeps no blobs, or a broker without a blob key. */
export function blobsOff(ref: Uint8Array): BlobAnswer {
  const error = new SteadError('BLOB_FOREIGN', 'this proxy type keeps no sealed session blobs', { data: { reason: 'off' } });
  return { record: null, bytes: errorBytes(ref, 0, error), error };
}
