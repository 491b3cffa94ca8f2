import type { ProxyRecord } from '../../record/record.js';
import type { Release } from '../../transaction/transaction.js';

/** Seals a record for a session: the blob frame, or the marker frame when the blob does not fit (blob-delivery.ts). */
export interface BlobSource {
  frame(record: ProxyRecord, session: string): Uint8Array;
}

/**
 * A sealed blob for one session, released with the commit it copies (docs/sessions.md). Sealed
 * only when it leaves, and only the newest per session among the outputs the gate releases at
 * once (one group commit), so fast calls do not pay for a blob each.
 */
export class BlobRelease implements Release {
  readonly session: string;
  readonly #source: BlobSource;
  readonly #record: ProxyRecord;

  constructor(session: string, source: BlobSource, record: ProxyRecord) {
    this.session = session;
    this.#source = source;
    this.#record = record;
  }

  /** The sealed frame (a marker, "no blob after this generation", when the blob does not fit). */
  get bytes(): Uint8Array {
    return this.#source.frame(this.#record, this.session);
  }
}

/**
 * The releases of outputs leaving together, each session's blobs reduced to its newest, sent
 * where its first one stood: before any reply of those commits, so a device holds a blob (or a
 * marker) that covers every write whose reply it has (DESIGN §4 rule 7 extended to blobs).
 */
export function coalesced(releases: readonly Release[]): readonly Release[] {
  let newest: Map<string, BlobRelease> | null = null;
  for (const r of releases) if (r instanceof BlobRelease) (newest ??= new Map()).set(r.session, r);
  if (!newest) return releases;
  const out: Release[] = [];
  for (const r of releases) {
    if (!(r instanceof BlobRelease)) out.push(r);
    else {
      const blob = newest.get(r.session);
      newest.delete(r.session);
      // Sealed once, here.
      if (blob) out.push({ session: r.session, bytes: blob.bytes });
    }
  }
  return out;
}
