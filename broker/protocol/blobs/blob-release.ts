import { encodeFrame } from '../../../shared/wire/codec.js';
import { Kind } from '../../../shared/wire/frames.js';
import type { BlobContents, BlobSeal } from '../../record/blob-seal.js';
import type { Release } from '../../transaction/transaction.js';

/**
 * A sealed blob for one session, released with the commit it copies (docs/sessions.md). Sealed
 * only when it leaves, and only the newest per session among the commits the gate releases at
 * once (one group commit), so fast calls do not pay for a blob each.
 */
export class BlobRelease implements Release {
  readonly session: string;
  readonly #seal: BlobSeal;
  readonly #contents: () => BlobContents;
  readonly #maxBytes: number;
  readonly #tooLarge: () => void;

  constructor(session: string, seal: BlobSeal, contents: () => BlobContents, maxBytes: number, tooLarge: () => void) {
    this.session = session;
    this.#seal = seal;
    this.#contents = contents;
    this.#maxBytes = maxBytes;
    this.#tooLarge = tooLarge;
  }

  /** The sealed frame; empty when it would not fit in a frame (then it is not sent). */
  get bytes(): Uint8Array {
    const bytes = encodeFrame({ kind: Kind.blob, ref: null, blob: this.#seal.seal(this.#contents()) });
    if (bytes.length <= this.#maxBytes) return bytes;
    this.#tooLarge();
    return NOTHING;
  }
}

const NOTHING = new Uint8Array(0);

/**
 * The releases of commits leaving together, each session's blobs reduced to its newest, sent
 * where its first one stood: before any reply of those commits, so a device holds a blob that
 * covers every write whose reply it has (DESIGN §4 rule 7 extended to blobs).
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
      // Sealed once, here; a blob too large for a frame is left out.
      const bytes = blob?.bytes;
      if (bytes?.length) out.push({ session: r.session, bytes });
    }
  }
  return out;
}
