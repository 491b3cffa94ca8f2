import { mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesEqual } from '../../shared/bytes.js';
import { isSteadError, type SteadError } from '../../shared/errors.js';
import type { Random } from '../../shared/random.js';
import { encodeFrame } from '../../shared/wire/codec.js';
import { Kind, type BlobFrame, type ReplyFrame } from '../../shared/wire/frames.js';
import { writeFileAtomic } from '../../shared/atomic-write.js';

/**
 * What the proxy said of the last blob request: restored, current, kept (no blob), partial
 * (restored, but newer records were never sent: BLOB_PARTIAL), or refused.
 */
export interface BlobOutcome {
  readonly status: 'restored' | 'current' | 'kept' | 'partial' | 'refused';
  /** The refusal (BLOB_TAMPERED, BLOB_FOREIGN, BLOB_EXPIRED, BLOB_STALE, BLOB_CONFLICT) or BLOB_PARTIAL. */
  readonly error: SteadError | null;
}

/**
 * The device's copy of its session's sealed blob (DESIGN §7, §9): the newest the proxy sent, on
 * disk with atomic writes (temp file, fsync, rename), one write at a time and only the newest
 * waiting. Presented to the proxy at every connect and before every begin, so a broker that lost
 * its copy restores from it before the session's requests are handled. A blob is never deleted:
 * only a newer one replaces it (a refused blob may still be the only copy there is). When the
 * newest record did not fit in a frame, the proxy sends a marker instead; it is kept beside the
 * blob until a newer blob comes, and presented with it, so a restore from the older blob is
 * reported as partial.
 */
export class BlobKeeping {
  readonly #path: string;
  readonly #markerPath: string;
  #blob: Uint8Array | null;
  #marker: Uint8Array | null;
  /** What is on disk (or being written): a write that failed leaves these, and the next save tries again. */
  #savedBlob: Uint8Array | null;
  #savedMarker: Uint8Array | null;
  #ref: Uint8Array | null = null;
  #writing: Promise<void> | null = null;
  #dirty = false;
  last: BlobOutcome | null = null;

  constructor(dir: string, proxy: string, session: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const base = join(dir, `${proxy.replace('/', '~')}~${session}`);
    this.#path = `${base}.blob`;
    this.#markerPath = `${base}.marker`;
    this.#blob = this.#savedBlob = readIfThere(this.#path);
    this.#marker = this.#savedMarker = readIfThere(this.#markerPath);
  }

  get blob(): Uint8Array | null {
    return this.#blob;
  }

  /** The ref of the last request: its answer, or its refusal, carries it. */
  get requestRef(): Uint8Array | null {
    return this.#ref;
  }

  /** `[9, ref, blob, marker?]`: "I keep blobs; restore from this one if you lost yours". */
  request(random: Random): Uint8Array {
    this.#ref = random.nonce();
    const frame: BlobFrame = { kind: Kind.blob, ref: this.#ref, blob: this.#blob };
    if (this.#marker) frame.marker = this.#marker;
    return encodeFrame(frame);
  }

  /** From the proxy: a blob replaces the one kept (and any marker); a marker is kept beside it. */
  receive(frame: BlobFrame): void {
    if (frame.ref !== null) return;
    if (frame.blob) {
      this.#blob = frame.blob;
      this.#marker = null;
    } else if (frame.marker) this.#marker = frame.marker;
    else return;
    this.#save();
  }

  /** Whether a reply answers the last request (then it is taken here). */
  answered(frame: ReplyFrame): boolean {
    if (frame.seq !== 0 || !bytesEqual(frame.ref, this.#ref)) return false;
    const status = frame.value === 'restored' || frame.value === 'current' ? frame.value : 'kept';
    this.last = { status, error: null };
    return true;
  }

  /**
   * Whether an error answers the last request: a refusal, or BLOB_PARTIAL (a restore that is not
   * complete). The blob is kept either way: the proxy sends its current blob with the answer when
   * it has one, and a refused blob may be the only copy of the session there is.
   */
  refused(ref: Uint8Array | null, error: SteadError): boolean {
    if (!bytesEqual(ref, this.#ref)) return false;
    this.last = { status: isSteadError(error, 'BLOB_PARTIAL') ? 'partial' : 'refused', error };
    return true;
  }

  /** Resolves once every blob and marker received so far is on disk. */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #save(): void {
    if (this.#writing) {
      this.#dirty = true;
      return;
    }
    const writing = this.#persist().finally(() => {
      if (this.#writing === writing) this.#writing = null;
    });
    this.#writing = writing;
  }

  /** Writes what changed, the blob before the marker goes, until nothing newer waits. */
  async #persist(): Promise<void> {
    do {
      this.#dirty = false;
      const blob = this.#blob;
      const marker = this.#marker;
      try {
        if (blob && blob !== this.#savedBlob) await writeFileAtomic(this.#path, blob);
        this.#savedBlob = blob;
        if (marker !== this.#savedMarker) await (marker ? writeFileAtomic(this.#markerPath, marker) : rm(this.#markerPath, { force: true }));
        this.#savedMarker = marker;
      } catch {
        // The disk refused: what is kept in memory is still presented; the next blob tries again.
      }
    } while (this.#dirty);
  }
}

function readIfThere(path: string): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return null;
  }
}
